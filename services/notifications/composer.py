"""Turns a planned message into its subject, plain text and HTML, in the person's language.

Each message kind has one template per language, ``mail/<kind>.<lang>.jinja``, with three blocks:
``subject`` (one line), ``text`` (the plain-text part) and ``body`` (the HTML part); both parts
get the greeting and footer of the shared ``_layout.<lang>.jinja``. A province edits them by
putting files of the same names in ``NOTIFICATIONS_TEMPLATE_DIR``, which is searched first; what
it does not override stays ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from shared.web.i18n import fmt_datetime, fmt_number

HERE = Path(__file__).parent
LANGS = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Composed:
    subject: str
    text: str
    html: str


class Composer:
    def __init__(self, public_base_url: str, override_dir: Path | None = None) -> None:
        dirs = [override_dir] if override_dir is not None else []
        self.base = public_base_url.rstrip("/")
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in [*dirs, HERE / "templates" / "mail"]]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,  # a template naming a value the event does not give fails loudly
            lstrip_blocks=True,
        )

    def compose(self, kind: str, lang: str, params: dict[str, Any]) -> Composed:
        lang = lang if lang in LANGS else "vi"
        template = self.env.get_template(f"{kind}.{lang}.jinja")
        ctx = template.new_context({
            **params, "lang": lang, "base_url": self.base,
            "number": lambda v, digits=2: fmt_number(v, lang, digits),
            "when": lambda v: fmt_datetime(v, lang),
        })
        layout = self.env.get_template(f"_layout.{lang}.jinja")
        # The subject is a header, not HTML: the block is escaped for the page's <title>, undone here.
        subject = " ".join(Markup("".join(template.blocks["subject"](ctx))).unescape().split())
        parts = ("".join(layout.blocks["text_header"](ctx)).strip(), "".join(template.blocks["text"](ctx)).strip(),
                 "".join(layout.blocks["text_footer"](ctx)).strip())
        text = "\n\n".join(p for p in parts if p) + "\n"
        html = template.render(ctx.get_all())
        return Composed(subject=subject[:200], text=text, html=html)
