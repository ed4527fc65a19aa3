"""Find every translatable text with Babel's extraction and check it against the catalogues.

    .venv/bin/python -m tools.messages check    # list texts without an English translation
    .venv/bin/python -m tools.messages update   # add them to the right messages.po, msgstr empty

What counts as a text is ``babel.cfg`` (Python modules and Jinja templates) read with the
keywords below: the gettext functions, :func:`shared.web.i18n.N_` for texts kept to translate
later, ``tr`` (a service's "in the caller's language" helper), and the refusal kinds of
``shared.errors`` and its ``Text`` (a message with values), whose first argument is the Vietnamese
message the edge translates. ``pybabel
extract -F babel.cfg`` with the same ``-k`` keywords finds the same texts. A text under
``shared/`` belongs to the shared catalogue (every service loads it); a service's text to the
service's, unless the shared one already has it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from shared.web.i18n import SHARED_LOCALES, Catalog, po_path

ROOT = Path(__file__).resolve().parents[1]
#: Every service package with pages or messages (a new one is checked as soon as it exists).
SERVICES = tuple(sorted(p.parent.name for p in ROOT.glob("services/*/__init__.py")))
REFUSALS = ("Refused", "NotFound", "Forbidden", "Conflict", "Gone", "Invalid", "TooLarge", "Unsupported",
            "Throttled", "Busy", "NotSignedIn")
#: Babel keyword specs (``None``: the first argument is the message).
KEYWORDS: Mapping[str, tuple[int, ...] | None] = {
    "_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None, "tr": None, "Text": None,
    **{name: None for name in REFUSALS},
}


@dataclass(frozen=True, slots=True)
class Text:
    msgid: str
    filename: str
    lineno: int
    plural: str | None = None

    @property
    def where(self) -> str:
        return f"{self.filename}:{self.lineno}"


def extract(source: Path) -> Iterator[Text]:
    """Every marked text under ``source`` (a service package or ``shared``), per ``babel.cfg``."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    # babel.cfg's patterns are written from the repository root; extract_from_dir matches
    # paths relative to the directory it walks, so it walks the root and keeps ``source``.
    prefix = source.resolve().relative_to(ROOT).as_posix() + "/"
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=dict(KEYWORDS),
        callback=None, strip_comment_tags=True,
        directory_filter=lambda d: _walk(d, prefix),
    ):
        if not filename.startswith(prefix):
            continue
        if isinstance(message, tuple):
            yield Text(message[0], filename, lineno, message[1])
        else:
            yield Text(message, filename, lineno)


def _walk(dirpath: str, prefix: str) -> bool:
    parts = Path(os.path.relpath(dirpath, ROOT)).parts
    if any(part.startswith(".") or part in ("__pycache__", "node_modules", "static") for part in parts):
        return False
    rel = "/".join(parts) + "/"
    return rel.startswith(prefix) or prefix.startswith(rel)


def sources() -> Iterator[tuple[Path, Catalog, Path]]:
    """(code directory, the catalogue it is translated with, the catalogue directory to add to)."""
    yield ROOT / "shared", Catalog([SHARED_LOCALES]), SHARED_LOCALES
    for name in SERVICES:
        package = ROOT / "services" / name
        yield package, Catalog([SHARED_LOCALES, package / "locales"]), package / "locales"


def missing(lang: str = "en") -> dict[Path, list[Text]]:
    """Texts without a translation into ``lang``, by the catalogue directory they belong in."""
    found: dict[Path, list[Text]] = {}
    for code, catalog, locales in sources():
        seen: set[str] = set()
        for text in extract(code):
            if text.msgid in seen:
                continue
            seen.add(text.msgid)
            if catalog.missing([text.msgid], lang):
                found.setdefault(locales, []).append(text)
    return found


def flawed_entries(path: Path) -> list[str]:
    """Entries of one ``.po`` a reader would not get: fuzzy, empty or with an empty plural."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    bad = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(message.id if isinstance(message.id, str) else message.id[0])
    return bad


def update(lang: str = "en") -> int:
    """Add the missing texts to their catalogue with an empty msgstr (for a translator)."""
    added = 0
    for locales, texts in missing(lang).items():
        path = po_path(locales, lang)
        with path.open("rb") as fh:
            catalog: PoCatalog = read_po(fh, locale=lang)
        for text in texts:
            msgid = text.msgid if text.plural is None else (text.msgid, text.plural)
            catalog.add(msgid, "" if text.plural is None else ("", ""), locations=[(text.filename, text.lineno)])
            added += 1
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False, include_lineno=False)
    return added


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        print(f"{update()} texts added; fill in their msgstr")
        return 0
    problems = 0
    for locales, texts in missing().items():
        for text in texts:
            print(f"{po_path(locales)}: no translation for {text.msgid!r} ({text.where})")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
