"""Where a unit is with an initiative: its answer to the assignment and its stage.

A unit first accepts or declines (declining says why). An accepted unit moves through
planned → piloting → applied → institutionalised, forwards freely (a unit may report it already
applies it); going back, stopping, or restarting after a stop is a change of course that the
province wants explained, so it needs a reason.
"""

from __future__ import annotations

from typing import Literal, get_args

from shared.coded import CodedError

Stage = Literal["planned", "piloting", "applied", "institutionalised", "stopped"]
STAGES: tuple[Stage, ...] = get_args(Stage)
ORDER: dict[Stage, int] = {"planned": 0, "piloting": 1, "applied": 2, "institutionalised": 3}
#: Stages where the initiative is in use: a unit there counts as having applied it.
IN_USE: frozenset[Stage] = frozenset({"applied", "institutionalised"})
Answer = Literal["assigned", "accepted", "declined"]
MAX_REASON = 1000


class StageError(CodedError):
    """A change of answer or stage the rules refuse."""


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) > MAX_REASON:
        raise StageError("reason.too_long", most=MAX_REASON)
    return text


def answer(current: Answer, accept: bool, reason: str) -> tuple[Answer, str]:
    """A unit's answer to an assignment: once, and a decline says why."""
    if current != "assigned":
        raise StageError("answer.already", answer=current)
    text = _reason(reason)
    if not accept and not text:
        raise StageError("reason.needed_decline")
    return ("accepted" if accept else "declined"), text


def needs_reason(current: Stage, target: Stage) -> bool:
    """A move the province wants explained: backwards, into or out of ``stopped``."""
    if current == target:
        return False
    if "stopped" in (current, target):
        return True
    return ORDER[target] < ORDER[current]


def move(answered: Answer, current: Stage, target: Stage, reason: str) -> str:
    """Check a reported stage against the current one; returns the cleaned reason."""
    if answered != "accepted":
        raise StageError("stage.not_accepted", answer=answered)
    if target not in STAGES:
        raise StageError("stage.unknown", stage=target)
    text = _reason(reason)
    if needs_reason(current, target) and not text:
        raise StageError("reason.needed_stage", current=current, target=target)
    return text
