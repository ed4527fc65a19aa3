"""One translation mechanism, complete: every marked text has an English translation.

The texts are found by Babel's extraction (``babel.cfg``, keywords in ``tools/messages.py``)
over the Python modules and Jinja templates of ``shared`` and each service, and looked up in
the gettext catalogues exactly as the running services load them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import DictLoader

from shared.web.i18n import SHARED_LOCALES, Catalog, gettext, po_path
from shared.web.render import Web
from tools import messages

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("shared/web/locales/*/LC_MESSAGES/messages.po")) + sorted(
    ROOT.glob("services/*/locales/*/LC_MESSAGES/messages.po"))


def test_every_marked_text_has_an_english_translation() -> None:
    found = messages.missing("en")
    lines = [f"{text.where}: {text.msgid!r} -> {po_path(locales)}" for locales, texts in found.items()
             for text in texts]
    assert not lines, "texts without an English msgstr (run `python -m tools.messages update`):\n" + "\n".join(lines)


@pytest.mark.parametrize("source", ["services/identity", "services/submission", "services/judging", "services/awards"])
def test_the_extraction_really_finds_the_texts(source: str) -> None:
    """Guards the check above against a babel.cfg that silently matches nothing."""
    texts = list(messages.extract(ROOT / source))
    assert len(texts) > 20
    assert any(t.filename.endswith(".html") for t in texts) and any(t.filename.endswith(".py") for t in texts)
    assert any(t.filename.endswith(".html") for t in messages.extract(ROOT / "shared"))


def test_a_text_without_translation_is_reported(tmp_path: Path) -> None:
    catalog = Catalog([SHARED_LOCALES])
    assert catalog.missing(["Đăng xuất", "Một câu chưa ai dịch"]) == ["Một câu chưa ai dịch"]
    assert catalog.gettext("Một câu chưa ai dịch", "en") == "Một câu chưa ai dịch"  # falls back, never fails


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogues_have_no_fuzzy_or_empty_entries(path: Path) -> None:
    assert not messages.flawed_entries(path)


def test_flawed_entries_are_found(tmp_path: Path) -> None:
    po = tmp_path / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Một"\nmsgstr ""\n\n#, fuzzy\nmsgid "Hai"\nmsgstr "Two"\n\nmsgid "Ba"\nmsgstr "Three"\n',
                  encoding="utf-8")
    assert messages.flawed_entries(po) == ["Một", "Hai"]


def test_every_locale_directory_has_its_catalogue_and_no_json_left() -> None:
    dirs = [SHARED_LOCALES, *(ROOT / "services" / name / "locales" for name in messages.SERVICES)]
    assert all(po_path(d).is_file() for d in dirs)
    assert not list(ROOT.glob("shared/**/en.json")) and not list(ROOT.glob("services/**/en.json"))
    for path in CATALOGUES:
        with path.open("rb") as fh:
            assert read_po(fh).locale is not None


def test_a_service_catalogue_wins_over_the_shared_one(tmp_path: Path) -> None:
    shared, own = tmp_path / "shared", tmp_path / "own"
    for d, text in ((shared, "Shared"), (own, "Own")):
        po_path(d).parent.mkdir(parents=True)
        po_path(d).write_text(f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                              f'msgid "Chung"\nmsgstr "{text}"\n\nmsgid "Của {text}"\nmsgstr "{text} only"\n',
                              encoding="utf-8")
    catalog = Catalog([shared, own])
    assert catalog.gettext("Chung", "en") == "Own"
    assert catalog.gettext("Của Shared", "en") == "Shared only" and catalog.gettext("Của Own", "en") == "Own only"
    assert catalog.gettext("Chung", "vi") == "Chung"


def test_templates_translate_with_jinja_i18n_per_language() -> None:
    web = Web("awards", ROOT / "services" / "awards")
    web.env.loader = DictLoader({"t.html": "{{ _('Đăng xuất') }}|{% trans %}Đăng xuất{% endtrans %}|"
                                           "{% trans n=2 %}{{ n }} bài{% endtrans %}|{{ _('a < b') }}"})
    from shared.web import render

    token = render._lang.set("en")
    try:
        english = web.env.get_template("t.html").render()
    finally:
        render._lang.reset(token)
    assert english.startswith("Sign out|Sign out|2 bài|")
    assert english.endswith("a &lt; b")  # a translation is escaped like any text
    assert web.env.get_template("t.html").render().startswith("Đăng xuất|Đăng xuất|")
    assert gettext("Đăng xuất", "en") == "Sign out"


def test_the_command_line_check_agrees() -> None:
    run = subprocess.run([sys.executable, "-m", "tools.messages", "check"], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
