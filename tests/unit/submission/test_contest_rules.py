from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.submission.domain.contest_rules import (
    VN_TZ,
    ContestRules,
    can_change_entry,
    entry_change_issue,
    extend_deadline,
    format_local,
    parse_local,
    window_state,
)
from services.submission.domain.messages import ValidationError
from services.submission.messages import field_messages, issue_message

VN = timezone(timedelta(hours=7))
OPENS = datetime(2026, 9, 1, 8, 0, tzinfo=VN)
CLOSES = datetime(2026, 11, 25, 17, 0, tzinfo=VN)


def make_rules(**overrides: object) -> ContestRules:
    values: dict[str, object] = {
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "categories": ("thu_tuc_hanh_chinh", "chuyen_doi_so"),
    }
    values.update(overrides)
    return ContestRules(**values)  # type: ignore[arg-type]


def test_instants_are_stored_in_utc() -> None:
    rules = make_rules()
    assert rules.closes_at.tzinfo is UTC
    assert rules.closes_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_allowed_types_are_canonical() -> None:
    rules = make_rules(allowed_types=frozenset({".PDF", "jpeg"}))
    assert rules.allowed_types == frozenset({"pdf", "jpg"})


def test_invalid_rules_report_every_field() -> None:
    with pytest.raises(ValidationError) as info:
        ContestRules(
            opens_at=datetime(2026, 9, 1),  # naive
            closes_at=CLOSES,
            max_coauthors=-1,
            max_file_bytes=0,
            allowed_types=frozenset({"exe"}),
        )
    assert set(info.value.issues) == {"opens_at", "max_coauthors", "max_file_bytes", "allowed_types"}
    assert field_messages(info.value.issues)["opens_at"] == "Thời điểm phải kèm múi giờ."


def test_closing_before_opening_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        make_rules(closes_at=OPENS - timedelta(minutes=1))
    assert info.value.issues["closes_at"].code == "window_order"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - timedelta(microseconds=1), "not_open"),
        (OPENS, "open"),
        (CLOSES - timedelta(microseconds=1), "open"),
        (CLOSES, "closed"),
        (CLOSES + timedelta(days=1), "closed"),
    ],
)
def test_window_boundaries(now: datetime, expected: str) -> None:
    assert window_state(make_rules(), "open", now) == expected


def test_exactly_at_deadline_expressed_in_another_zone_is_closed() -> None:
    rules = make_rules()
    same_instant_utc = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    same_instant_paris = same_instant_utc.astimezone(timezone(timedelta(hours=1)))
    assert window_state(rules, "open", same_instant_utc) == "closed"
    assert window_state(rules, "open", same_instant_paris) == "closed"
    # One minute earlier in UTC is still open, although the UTC wall clock reads "10:00" < "17:00".
    assert window_state(rules, "open", same_instant_utc - timedelta(minutes=1)) == "open"


def test_organiser_status_wins_over_the_clock() -> None:
    inside = OPENS + timedelta(days=3)
    assert window_state(make_rules(), "draft", inside) == "not_open"
    assert window_state(make_rules(), "closed", inside) == "closed"
    with pytest.raises(ValueError):
        window_state(make_rules(), "archived", inside)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValidationError):
        window_state(make_rules(), "open", datetime(2026, 10, 1, 9, 0))


@settings(max_examples=100)
@given(st.datetimes(min_value=datetime(2026, 8, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)))
def test_can_change_entry_iff_inside_half_open_window(now: datetime) -> None:
    rules = make_rules()
    assert can_change_entry(rules, "open", now) == (rules.opens_at <= now < rules.closes_at)


def test_change_issue_explains_in_vietnamese_with_local_deadline() -> None:
    rules = make_rules()
    issue = entry_change_issue(rules, "open", CLOSES)
    assert issue is not None
    assert issue_message(issue) == ("Đã hết hạn nộp hồ sơ (25/11/2026 17:00); không thể nộp, sửa hay rút sáng kiến.")
    assert "deadline has passed" in issue_message(issue, "en")
    assert entry_change_issue(rules, "open", OPENS) is None
    early = entry_change_issue(rules, "open", OPENS - timedelta(days=1))
    assert early is not None and early.code == "contest_not_open"


def test_format_local_uses_vietnam_time_all_year() -> None:
    # Vietnam has no daylight saving time: +07:00 in January and in July alike.
    assert format_local(datetime(2026, 1, 15, 10, 0, tzinfo=UTC)) == "15/01/2026 17:00"
    assert format_local(datetime(2026, 7, 15, 10, 0, tzinfo=UTC)) == "15/07/2026 17:00"
    assert format_local(datetime(2026, 11, 25, 20, 30, tzinfo=UTC)) == "26/11/2026 03:30"
    for month in range(1, 13):
        assert datetime(2026, month, 1, tzinfo=VN_TZ).utcoffset() == timedelta(hours=7)


def test_parse_local_round_trips() -> None:
    parsed = parse_local("25/11/2026 17:00")
    assert parsed == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert format_local(parsed) == "25/11/2026 17:00"


# --- deadline extension -----------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
REASON = "Nhiều đơn vị đề nghị thêm thời gian do mưa bão kéo dài."


def test_extension_moves_the_deadline() -> None:
    new = datetime(2026, 12, 5, 17, 0, tzinfo=VN)
    extended = extend_deadline(make_rules(), new, REASON, NOW)
    assert extended.closes_at == new.astimezone(UTC)
    assert extended.opens_at == make_rules().opens_at
    assert window_state(extended, "open", CLOSES + timedelta(days=1)) == "open"


def test_extension_must_be_later_than_current_deadline() -> None:
    with pytest.raises(ValidationError) as info:
        extend_deadline(make_rules(), CLOSES, REASON, NOW)
    assert info.value.issues["closes_at"].code == "deadline_not_later"
    assert field_messages(info.value.issues)["closes_at"] == "Hạn mới phải sau hạn hiện tại (25/11/2026 17:00)."


def test_extension_must_be_in_the_future() -> None:
    late_now = CLOSES + timedelta(days=10)
    with pytest.raises(ValidationError) as info:
        extend_deadline(make_rules(), CLOSES + timedelta(days=5), REASON, late_now)
    assert info.value.issues["closes_at"].code == "deadline_in_past"


@pytest.mark.parametrize("reason", ["", "   ", "gia hạn", " ngắn quá "])
def test_extension_needs_a_real_reason(reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        extend_deadline(make_rules(), CLOSES + timedelta(days=5), reason, NOW)
    assert set(info.value.issues) == {"reason"}
    assert field_messages(info.value.issues)["reason"] == "Lý do gia hạn cần ít nhất 10 ký tự."


def test_extension_reports_both_problems_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        extend_deadline(make_rules(), CLOSES - timedelta(days=1), "x", NOW)
    assert set(info.value.issues) == {"closes_at", "reason"}


def test_extension_refuses_naive_datetime() -> None:
    with pytest.raises(ValidationError) as info:
        extend_deadline(make_rules(), datetime(2026, 12, 5, 17, 0), REASON, NOW)
    assert info.value.issues["closes_at"].code == "naive_datetime"
