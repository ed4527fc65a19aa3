"""One translation mechanism, complete: every marked text has an English translation.

The texts are found by Babel's extraction (``babel.cfg``, keywords in ``tools/messages.py``)
over the Python modules and Jinja templates of ``shared`` and each service, and looked up in
the gettext catalogues exactly as the running services load them.
"""

from __future__ import annotations

import ast
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


# --- Texts nobody marked ---------------------------------------------------------------------
# A Vietnamese string literal in the code is a user-visible text unless it is marked for the
# catalogue (a keyword of tools/messages.py, first argument), a docstring, a log call's
# argument or an API field's ``description``. The rest is listed here, each with its reason:
# ``path`` for a whole module, ``path::NAME`` for one top-level function, class or constant.
UNMARKED_ALLOWED: dict[str, str] = {
    "services/awards/domain/certificates.py": "the printed certificate is Vietnamese by law (national heading, "
                                              "motto, Decree 30/2020/NĐ-CP layout), whatever the reader's language",
    "services/awards/domain/exports.py": "the official result spreadsheet has one (Vietnamese) header row",
    "services/awards/domain/formatting.py::datetime_vi": "the Vietnamese way of writing a time (a locale format)",
    "services/awards/domain/formatting.py::date_line_vi": "the date line of an administrative document (a format)",
    "services/awards/domain/ranking.py::DEFAULT_CRITERION_LABELS": "seed data: the default rubric's criterion "
                                                                   "names, given in both languages",
    "services/judging/domain/rubric.py::default_rubric": "seed data: the default rubric organisers start from "
                                                         "(names and descriptions are stored with each contest)",
    "services/awards/pages.py::DEFAULT_TIERS": "seed data: the default prize tiers, named in both languages",
    "services/awards/publication.py::place_of": "a regular expression over Vietnamese issuing bodies and the "
                                                "country's name on the certificate",
    "services/submission/domain/similarity.py::fold_diacritics": "the letters đ/Đ folded for matching",
    "shared/web/paging.py::search_key": "the letter đ folded for searching",
    "services/submission/files.py::neutral_name": "the neutral file name judges download (stored, one language)",
    "services/submission/scrub.py::NEUTRAL_AUTHOR": "the author written into a scrubbed document's metadata",
    "services/notifications/settings.py::NotificationsSettings": "a default sender name (configuration)",
    "services/notifications/service.py": "the notifications service is being written (lead): its texts are "
                                         "marked when it is finished",
    "services/identity": "identity is being changed (password reset) concurrently: its texts are marked after",
}
_VIETNAMESE = frozenset("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical"})


def _callee(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _owner(statement: ast.stmt) -> str:
    """The name a top-level statement defines (what an allow-list entry ``path::NAME`` names)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return statement.name
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, ast.AnnAssign) else []
    return next((t.id for t in targets if isinstance(t, ast.Name)), "")


def unmarked_texts(path: Path) -> list[tuple[int, str, str]]:
    """(line, top-level name, text) of each Vietnamese string literal not marked for translation."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            exempt.add(id(body[0].value))  # a docstring
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node.func) or ""
        marked: list[ast.expr] = [k.value for k in node.keywords if k.arg == "description"]
        if name in messages.KEYWORDS:  # the message arguments of a marking call
            marked += [node.args[i - 1] for i in messages.KEYWORDS[name] or (1,) if len(node.args) >= i]
        elif isinstance(node.func, ast.Attribute) and name in _LOG_METHODS:
            marked.append(node)
        exempt.update(id(n) for m in marked for n in ast.walk(m))
    found = []
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt \
                    and _VIETNAMESE & set(node.value.casefold()):
                found.append((node.lineno, _owner(statement), node.value))
    return found


def _allowed(rel: str, owner: str) -> bool:
    return any(rel == key or rel.startswith(key + "/") or f"{rel}::{owner}" == key for key in UNMARKED_ALLOWED)


def test_no_vietnamese_text_is_left_unmarked() -> None:
    """The check above only sees marked texts: this one finds the Vietnamese nobody marked, so
    it cannot slip past the catalogue (and ``domain/`` cannot word messages itself)."""
    files = sorted({*ROOT.glob("services/*/**/*.py"), *ROOT.glob("shared/**/*.py")})
    lines = [f"{rel}:{line} ({owner or 'module'}): {text[:70]!r}"
             for path in files for rel in [path.relative_to(ROOT).as_posix()]
             for line, owner, text in unmarked_texts(path) if not _allowed(rel, owner)]
    assert not lines, "Vietnamese text not marked for translation (wrap it in N_/Text/a refusal, or add " \
                      "it to UNMARKED_ALLOWED with the reason):\n" + "\n".join(lines)


def test_every_allowance_still_matches_something() -> None:
    """An allow-list entry whose text was marked or removed since is deleted, not kept."""
    used = set()
    for path in sorted({*ROOT.glob("services/*/**/*.py"), *ROOT.glob("shared/**/*.py")}):
        rel = path.relative_to(ROOT).as_posix()
        for _, owner, _ in unmarked_texts(path):
            used |= {key for key in UNMARKED_ALLOWED if rel == key or rel.startswith(key + "/")
                     or f"{rel}::{owner}" == key}
    assert set(UNMARKED_ALLOWED) == used, sorted(set(UNMARKED_ALLOWED) - used)


def test_the_unmarked_text_finder_sees_what_it_must(tmp_path: Path) -> None:
    code = tmp_path / "m.py"
    code.write_text('"""Tài liệu."""\nimport structlog\nlog = structlog.get_logger()\n'
                    'A = N_("Đã đánh dấu")\nB = "Chưa đánh dấu"\n'
                    'def f(x: str) -> None:\n    """Mô tả."""\n    log.info("đã ghi", x=x)\n'
                    '    raise Conflict("Xung đột {x}", errors={"x": "Lỗi trường"}, params={"x": x})\n'
                    'C = f"Xin chào {B}"\n', encoding="utf-8")
    assert [(line, owner, text) for line, owner, text in unmarked_texts(code)] == [
        (5, "B", "Chưa đánh dấu"), (9, "f", "Lỗi trường"), (10, "C", "Xin chào ")]
