from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.submission.domain.initiative import (
    RECEIPT_ALPHABET,
    STATUS_RANK,
    STATUSES,
    TRANSITIONS,
    Status,
    TransitionError,
    apply_status,
    is_valid_receipt,
    parse_receipt,
    receipt_code,
)
from services.submission.messages import STATUS_LABELS, status_label, transition_message

SALT = b"khoa-bi-mat-cua-cuoc-thi-2026"

# --- receipt codes ----------------------------------------------------------------------------


def test_receipt_code_shape_and_round_trip() -> None:
    code = receipt_code("SK2026", 123, SALT)
    assert code.startswith("SK2026-000123-")
    assert len(code) == len("SK2026-000123-7Q")
    assert parse_receipt(code, SALT) == ("SK2026", 123)
    assert is_valid_receipt(code.lower(), SALT)  # people type codes in lower case
    assert is_valid_receipt(f"  {code} ", SALT)


def test_large_sequence_numbers_keep_working() -> None:
    code = receipt_code("SK2026", 12_345_678, SALT)
    assert "-12345678-" in code
    assert parse_receipt(code, SALT) == ("SK2026", 12_345_678)


def test_receipt_depends_on_the_secret() -> None:
    codes = {receipt_code("SK2026", n, SALT) for n in range(1, 200)}
    other = {receipt_code("SK2026", n, b"another-secret-salt") for n in range(1, 200)}
    assert codes != other
    assert sum(is_valid_receipt(c, b"another-secret-salt") for c in codes) < 30


@pytest.mark.parametrize(
    "bad", ["", "SK2026-000123", "SK2026-123-7Q", "SK-2026-000123-7Q", "SK2026-0000123-7Q", "SK2026_000123_7Q"]
)
def test_malformed_receipts_are_invalid(bad: str) -> None:
    assert not is_valid_receipt(bad, SALT)


def test_receipt_code_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        receipt_code("S", 1, SALT)
    with pytest.raises(ValueError):
        receipt_code("SK2026", 0, SALT)
    with pytest.raises(ValueError):
        receipt_code("SK2026", 1, b"short")


TYPO_CHARS = RECEIPT_ALPHABET + "-"


@settings(max_examples=300)
@given(
    contest=st.from_regex(r"[A-Z0-9]{2,10}", fullmatch=True),
    seq=st.integers(min_value=1, max_value=2_000_000),
    data=st.data(),
)
def test_any_single_character_typo_is_detected(contest: str, seq: int, data: st.DataObject) -> None:
    code = receipt_code(contest, seq, SALT)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.sampled_from(TYPO_CHARS).filter(lambda c: c != code[position]))
    typo = code[:position] + replacement + code[position + 1 :]
    assert is_valid_receipt(code, SALT)
    assert not is_valid_receipt(typo, SALT)


# --- status model -----------------------------------------------------------------------------


def test_every_status_has_both_labels() -> None:
    assert set(STATUS_LABELS) == set(STATUSES)
    assert status_label("under_review") == "Đang chấm"
    assert status_label("under_review", "en") == "Under review"
    assert status_label("awarded") == "Đạt giải"


def test_allowed_transitions_always_move_forward() -> None:
    for current, targets in TRANSITIONS.items():
        for target in targets:
            assert STATUS_RANK[target] > STATUS_RANK[current], (current, target)


def test_participant_moves_need_the_window_open() -> None:
    assert apply_status("draft", "submitted", window_open=True) == "submitted"
    assert apply_status("submitted", "withdrawn", window_open=True) == "withdrawn"
    assert apply_status("draft", "withdrawn", window_open=True) == "withdrawn"
    with pytest.raises(TransitionError) as info:
        apply_status("submitted", "withdrawn")  # after the deadline, or the caller forgot to say
    assert info.value.kind == "window_closed"
    assert transition_message(info.value) == "Chỉ có thể nộp hoặc rút sáng kiến trong thời hạn nhận hồ sơ."


@pytest.mark.parametrize("current", ["eligible", "ineligible", "under_review", "scored", "awarded"])
def test_withdrawal_is_impossible_once_screening_started(current: Status) -> None:
    with pytest.raises(TransitionError):
        apply_status(current, "withdrawn", window_open=True)


def test_scored_never_goes_back_to_under_review() -> None:
    with pytest.raises(TransitionError) as info:
        apply_status("scored", "under_review")
    assert info.value.kind == "stale"


def test_duplicate_delivery_is_a_no_op() -> None:
    assert apply_status("under_review", "under_review") == "under_review"


def test_skipping_a_delayed_stage_is_allowed() -> None:
    # "eligible" from screening may arrive after judging has already started.
    assert apply_status("submitted", "under_review") == "under_review"
    with pytest.raises(TransitionError) as info:
        apply_status("under_review", "eligible")
    assert info.value.kind == "stale"


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("draft", "eligible"),  # never submitted
        ("withdrawn", "eligible"),  # the participant's withdrawal stands
        ("ineligible", "under_review"),
        ("eligible", "ineligible"),  # conflicting screening results
        ("awarded", "not_awarded"),
    ],
)
def test_forbidden_moves(current: Status, new: Status) -> None:
    with pytest.raises(TransitionError) as info:
        apply_status(current, new, window_open=True)
    assert info.value.kind == "forbidden"
    assert transition_message(info.value, "en").startswith("Cannot change the status")


def test_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        apply_status("submitted", "approved")


LIFECYCLES: list[list[Status]] = [
    ["eligible", "under_review", "scored", "awarded"],
    ["eligible", "under_review", "scored", "not_awarded"],
    ["eligible", "under_review", "not_awarded"],
    ["eligible", "not_awarded"],
    ["ineligible"],
]


def apply_all(start: Status, events: list[Status]) -> list[Status]:
    """What a consumer does: apply each event, drop the ones refused."""
    seen = [start]
    for event in events:
        try:
            seen.append(apply_status(seen[-1], event))
        except TransitionError:
            seen.append(seen[-1])
    return seen


@settings(max_examples=200)
@given(
    lifecycle=st.sampled_from(LIFECYCLES),
    shuffle_seed=st.integers(min_value=0, max_value=2**32),
    duplicates=st.integers(min_value=0, max_value=3),
)
def test_out_of_order_events_end_at_the_highest_rank(
    lifecycle: list[Status], shuffle_seed: int, duplicates: int
) -> None:
    rng = random.Random(shuffle_seed)
    events = lifecycle + [rng.choice(lifecycle) for _ in range(duplicates)]
    rng.shuffle(events)
    seen = apply_all("submitted", events)
    assert seen[-1] == max(lifecycle, key=lambda s: STATUS_RANK[s])
    assert all(STATUS_RANK[b] >= STATUS_RANK[a] for a, b in pairwise(seen))


@settings(max_examples=200)
@given(st.lists(st.sampled_from(STATUSES), max_size=15), st.sampled_from(STATUSES))
def test_status_never_regresses_whatever_arrives(events: list[Status], start: Status) -> None:
    seen = [start]
    for event in events:
        try:
            seen.append(apply_status(seen[-1], event, window_open=True))
        except TransitionError as exc:
            assert exc.kind in {"stale", "forbidden"}
            seen.append(seen[-1])
    assert all(STATUS_RANK[b] >= STATUS_RANK[a] for a, b in pairwise(seen))
