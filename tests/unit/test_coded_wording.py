"""Every code a domain raises has its wording: a code without one would fail at the edge (a
KeyError turned into a 500) instead of reading as a message. The codes are read from the
domain's source (the first argument of ``...Error("code", ...)`` and ``Code.of("code", ...)``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services.awards import messages as awards_messages
from services.judging import messages as judging_messages
from services.judging.domain.assignment import EntryRef, JudgeRef, swap_problem

ROOT = Path(__file__).resolve().parents[2]
#: Errors of broken invariants, logged by code and never shown (see services/judging/messages.py).
UNWORDED = {"AggregationError"}


def raised_codes(domain: Path) -> dict[str, str]:
    """code -> where, for each literal code the domain's modules raise or report."""
    found: dict[str, str] = {}
    for path in sorted(domain.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if (name.endswith("Error") and name not in UNWORDED and name not in ("ValueError", "TypeError")) \
                    or (name == "of" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "Code"):
                found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


@pytest.mark.parametrize(("service", "wording"), [("awards", awards_messages.WORDING),
                                                  ("judging", judging_messages.WORDING)])
def test_every_raised_code_has_its_wording(service: str, wording: dict[str, str]) -> None:
    codes = raised_codes(ROOT / "services" / service / "domain")
    assert len(codes) > 10  # the reader really finds them
    assert not {c: w for c, w in codes.items() if c not in wording}, "codes without wording"


def test_every_swap_problem_has_its_wording() -> None:
    entry, judge = EntryRef("e", "A", "x"), JudgeRef("j", "B", frozenset({"y"}))
    problems = {swap_problem(None, judge, [], []), swap_problem(entry, None, [], []),
                swap_problem(entry, judge, ["j"], []), swap_problem(entry, judge, [], ["j"]),
                swap_problem(entry, JudgeRef("j", "A"), [], []), swap_problem(entry, judge, [], [])}
    assert len(problems - {""}) == 6 and all(judging_messages.swap_msgid(p) for p in problems)
    assert judging_messages.swap_msgid(swap_problem(entry, JudgeRef("k", "B"), [], [])) == ""
    for kind in ("entry", "judge"):  # the one code built from a name
        assert f"duplicate_{kind}_ids" in judging_messages.WORDING
