"""Jinja2 pages with the shared look: a service's templates first, then the shared ones."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from shared.web.i18n import LANG_COOKIE, VN_TZ, fmt_datetime, fmt_number, request_lang, service_catalog

SHARED_TEMPLATES = Path(__file__).parent / "templates"
SHARED_STATIC = Path(__file__).parent / "static"
_lang: ContextVar[str] = ContextVar("page_lang", default="vi")


class Web:
    def __init__(self, service: str, package_dir: Path, *, signin_url: str = "/identity/signin") -> None:
        self.service = service
        self.signin_url = signin_url
        self.env = Environment(
            loader=ChoiceLoader(
                [FileSystemLoader(package_dir / "templates"), FileSystemLoader(SHARED_TEMPLATES)]
            ),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        self.catalog = service_catalog(package_dir)
        self.static_url = f"/{service}/static"
        # jinja2.ext.i18n's `_`, `gettext`, `ngettext` and {% trans %}, in the request's language:
        # the callables read it per render (one environment serves concurrent requests), and as
        # globals they reach imported macros, which get no context. Old-style callables, so a
        # translation is escaped like any other text and `%` needs no doubling.
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            lambda s: self.catalog.word(s, _lang.get()),  # a Text's values filled in too
            lambda s, p, n: self.catalog.ngettext(s, p, n, _lang.get()),
            newstyle=False,
        )
        self.env.globals.update(
            num=lambda v, d=2: fmt_number(v, _lang.get(), d),
            dt=lambda v: fmt_datetime(v, _lang.get()),
            tz=VN_TZ,
        )

    def t(self, request: Request, text: str) -> str:
        """``text`` in the request's language (a :class:`~shared.errors.Text` with its values)."""
        return self.catalog.word(text, request_lang(request))

    def render(self, request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        lang = request_lang(request)
        _lang.set(lang)
        def lang_url(to: str) -> str:
            """This page in the other language: the same path and query (the chosen contest stays)."""
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", to)]
            return f"{request.url.path}?{urlencode(query)}"

        html = self.env.get_template(name).render(
            request=request,
            lang=lang,
            lang_url=lang_url,
            user=getattr(request.state, "principal", None),
            static_url=self.static_url,
            signin_url=self.signin_url,
            **ctx,
        )
        resp = HTMLResponse(html, status_code=status_code)
        if request.query_params.get("lang") in ("vi", "en"):
            resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return resp
