from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.submission.domain.contest_rules import ContestRules
from services.submission.domain.initiative import (
    CoAuthor,
    InitiativeForm,
    Version,
    check_submission,
    fields_hash,
    next_version,
    version_at,
)
from services.submission.domain.messages import ValidationError
from services.submission.messages import CATALOG, WORDING, validate_draft, validate_for_submission

from .vi_texts import MOT_CUA_PARAGRAPHS

VN = timezone(timedelta(hours=7))
RULES = ContestRules(
    opens_at=datetime(2026, 9, 1, 8, 0, tzinfo=VN),
    closes_at=datetime(2026, 11, 25, 17, 0, tzinfo=VN),
    max_coauthors=3,
    categories=("thu_tuc_hanh_chinh", "dich_vu_cong_truc_tuyen"),
)


def co_author(i: int, pct: int = 10, **extra: Any) -> dict[str, Any]:
    return {
        "full_name": f"Đồng tác giả số {i}",
        "position": "Chuyên viên",
        "unit": "UBND xã Tân Hòa",
        "email": f"dongtacgia{i}@tanhoa.gov.vn",
        "contribution_pct": pct,
        **extra,
    }


def complete_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Đặt lịch hẹn trực tuyến tại Bộ phận Một cửa cấp xã",
        "category": "thu_tuc_hanh_chinh",
        "author_unit": "Văn phòng HĐND và UBND xã Tân Hòa",
        "co_authors": [co_author(0, 20), co_author(1, 15)],
        "current_situation": MOT_CUA_PARAGRAPHS[0],
        "solution": MOT_CUA_PARAGRAPHS[1],
        "novelty": MOT_CUA_PARAGRAPHS[2],
        "effectiveness": MOT_CUA_PARAGRAPHS[3],
        "applicability": MOT_CUA_PARAGRAPHS[3],
        "cost": "Khoảng 15 triệu đồng cho ki-ốt và tin nhắn.",
        "commitment": True,
    }
    fields.update(overrides)
    return fields


def test_complete_form_is_valid() -> None:
    assert validate_for_submission(complete_fields(), RULES) == {}
    assert validate_draft(complete_fields(), RULES) == {}


def test_empty_draft_can_be_saved_but_not_submitted() -> None:
    assert validate_draft({}, RULES) == {}
    errors = validate_for_submission({}, RULES)
    assert {
        "title",
        "category",
        "author_unit",
        "current_situation",
        "solution",
        "novelty",
        "effectiveness",
        "applicability",
        "commitment",
    } <= set(errors)
    assert "cost" not in errors  # optional
    assert errors["title"] == "Vui lòng nhập thông tin này."


def test_length_messages_are_vietnamese_with_english_twin() -> None:
    fields = complete_fields(title="Đơn", solution="Quá ngắn.")
    errors = validate_for_submission(fields, RULES)
    assert errors["title"] == "Cần ít nhất 5 ký tự (hiện có 3)."
    assert errors["solution"] == "Cần ít nhất 50 ký tự (hiện có 9)."
    english = validate_for_submission(fields, RULES, lang="en")
    assert english["title"] == "At least 5 characters are required (currently 3)."


def test_length_counts_characters_after_nfc() -> None:
    decomposed = "Tiê\u0301p nhâ\u0323n"  # "Tiếp nhận" typed with combining marks: 9 characters in NFC
    assert len(decomposed * 30) == 330
    errors = validate_for_submission(complete_fields(title=decomposed * 30), RULES)
    assert "title" not in errors  # 330 code points as typed, but 270 characters once composed
    too_long = validate_draft(complete_fields(title="a" * 301), RULES)
    assert too_long["title"] == "Không được vượt quá 300 ký tự (hiện có 301)."


def test_draft_checks_only_types_and_maximum_lengths() -> None:
    fields = {
        "title": "Ý",
        "category": "không có trong danh mục",
        "co_authors": [{"full_name": "A", "email": "chưa điền", "contribution_pct": 0}],
        "solution": "x" * 20_001,
        "commitment": "có",
    }
    errors = validate_draft(fields, RULES)
    assert errors == {
        "solution": "Không được vượt quá 20000 ký tự (hiện có 20001).",
        "commitment": "Giá trị phải là có/không.",
    }


def test_wrong_types_are_reported_per_field() -> None:
    errors = validate_draft({"title": 42, "co_authors": "Nguyễn", "cost": ["a"]}, RULES)
    assert errors == {
        "title": "Giá trị phải là văn bản.",
        "co_authors": "Giá trị phải là một danh sách.",
        "cost": "Giá trị phải là văn bản.",
    }


def test_unknown_category_is_refused_on_submission() -> None:
    errors = validate_for_submission(complete_fields(category="the_thao"), RULES)
    assert errors == {"category": "Lĩnh vực không thuộc danh mục của cuộc thi."}


def test_commitment_must_be_true() -> None:
    errors = validate_for_submission(complete_fields(commitment=False), RULES)
    assert set(errors) == {"commitment"}
    assert errors["commitment"].startswith("Bạn cần cam kết")


def test_eligible_groups_are_checked_only_when_the_contest_restricts_them() -> None:
    restricted = ContestRules(
        opens_at=RULES.opens_at,
        closes_at=RULES.closes_at,
        categories=RULES.categories,
        eligible_groups=("can_bo_cong_chuc", "doanh_nghiep"),
    )
    assert validate_for_submission(complete_fields(), RULES) == {}
    assert check_submission(complete_fields(), restricted)["author_group"].code == "required"
    assert check_submission(complete_fields(author_group="hoc_sinh"), restricted)["author_group"].code == (
        "group_not_eligible"
    )
    assert validate_for_submission(complete_fields(author_group="doanh_nghiep"), restricted) == {}


# --- co-authors -------------------------------------------------------------------------------


def test_co_author_limit_applies_even_to_drafts() -> None:
    fields = complete_fields(co_authors=[co_author(i, 5) for i in range(4)])
    assert validate_draft(fields, RULES) == {"co_authors": "Chỉ được khai tối đa 3 đồng tác giả."}
    assert validate_for_submission(fields, RULES)["co_authors"] == "Chỉ được khai tối đa 3 đồng tác giả."


def test_co_author_error_keys_are_field_paths() -> None:
    authors = [
        co_author(0, 10),
        co_author(1, 0),
        co_author(2, 10, email="khong-phai-email"),
    ]
    errors = validate_for_submission(complete_fields(co_authors=authors), RULES)
    assert errors == {
        "co_authors.1.contribution_pct": "Tỷ lệ đóng góp phải từ 1% đến 100%.",
        "co_authors.2.email": "Địa chỉ email không hợp lệ.",
    }


def test_missing_co_author_details() -> None:
    errors = validate_for_submission(complete_fields(co_authors=[{"position": "Kế toán"}]), RULES)
    assert errors == {
        "co_authors.0.full_name": "Vui lòng nhập thông tin này.",
        "co_authors.0.unit": "Vui lòng nhập thông tin này.",
        "co_authors.0.email": "Vui lòng nhập thông tin này.",
        "co_authors.0.contribution_pct": "Vui lòng nhập thông tin này.",
    }


def test_malformed_co_author_entry() -> None:
    errors = validate_draft(complete_fields(co_authors=["Nguyễn"]), RULES)
    assert errors == {"co_authors.0": "Thông tin đồng tác giả không đúng định dạng."}


def test_duplicate_co_author_email() -> None:
    authors = [co_author(0, 10), co_author(1, 10, email="DongTacGia0@tanhoa.gov.vn")]
    errors = validate_for_submission(complete_fields(co_authors=authors), RULES)
    assert errors == {"co_authors.1.email": "Email này đã được khai cho một đồng tác giả khác."}


@pytest.mark.parametrize("pct", [True, 12.5, "20"])
def test_share_must_be_an_integer(pct: object) -> None:
    errors = validate_draft(complete_fields(co_authors=[co_author(0, pct)]), RULES)  # type: ignore[arg-type]
    assert errors == {"co_authors.0.contribution_pct": "Giá trị phải là số nguyên."}


def test_main_author_must_keep_at_least_one_percent() -> None:
    ok = complete_fields(co_authors=[co_author(0, 50), co_author(1, 49)])
    assert validate_for_submission(ok, RULES) == {}
    assert InitiativeForm.from_mapping(ok).main_author_share == 1
    too_much = complete_fields(co_authors=[co_author(0, 50), co_author(1, 50)])
    errors = validate_for_submission(too_much, RULES)
    assert errors == {
        "co_authors": "Tổng tỷ lệ đóng góp của các đồng tác giả là 100%; tác giả chính phải còn ít nhất 1%."
    }


@settings(max_examples=150)
@given(st.lists(st.integers(min_value=-5, max_value=105), max_size=3))
def test_share_rule_property(shares: list[int]) -> None:
    fields = complete_fields(co_authors=[co_author(i, pct) for i, pct in enumerate(shares)])
    errors = validate_for_submission(fields, RULES)
    each_ok = all(1 <= s <= 100 for s in shares)
    expected_ok = each_ok and 100 - sum(shares) >= 1
    assert (errors == {}) == expected_ok
    if each_ok and not expected_ok:
        assert set(errors) == {"co_authors"}


def test_accepts_coauthor_objects_and_typed_forms() -> None:
    form = InitiativeForm.from_mapping(complete_fields())
    assert validate_for_submission(form, RULES) == {}
    with_object = complete_fields(co_authors=[CoAuthor("Người thứ hai", "Chuyên viên", "Sở Nội vụ", "a@b.vn", 30)])
    assert validate_for_submission(with_object, RULES) == {}


def test_from_mapping_cleans_text_and_refuses_invalid_drafts() -> None:
    form = InitiativeForm.from_mapping(complete_fields(title="  Tiê\u0301p nhận hồ sơ  "))
    assert form.title == "Tiếp nhận hồ sơ"
    assert form.co_authors[0].email == "dongtacgia0@tanhoa.gov.vn"
    with pytest.raises(ValidationError) as info:
        InitiativeForm.from_mapping({"title": 5})
    assert set(info.value.issues) == {"title"}


def test_every_issue_code_has_both_languages() -> None:
    for vi in WORDING.values():
        en = CATALOG.gettext(vi, "en")
        assert vi and en and vi != en


# --- versions ---------------------------------------------------------------------------------

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def form(title: str) -> InitiativeForm:
    return InitiativeForm(title=title)


def history(*saves: tuple[str, datetime]) -> list[Version]:
    versions: list[Version] = []
    for title, at in saves:
        v = next_version(versions, form(title), at)
        assert v is not None
        versions.append(v)
    return versions


def test_next_version_numbers_and_hashes() -> None:
    versions = history(("Bản đầu", T0), ("Bản sửa", T0 + timedelta(hours=1)))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].fields_hash == fields_hash(form("Bản sửa"))
    assert next_version(versions, form("Bản sửa"), T0 + timedelta(hours=2)) is None


def test_next_version_never_goes_back_in_time() -> None:
    versions = history(("Bản đầu", T0))
    skewed = next_version(versions, form("Bản sửa"), T0 - timedelta(seconds=3))
    assert skewed is not None and skewed.saved_at == T0


def test_fields_hash_ignores_key_order_but_not_content() -> None:
    a = InitiativeForm(title="Một cửa", cost="")
    assert fields_hash(a) == fields_hash(InitiativeForm(cost="", title="Một cửa"))
    assert fields_hash(a) != fields_hash(InitiativeForm(title="Một cửa liên thông"))


def test_version_at_picks_the_version_standing_at_the_deadline() -> None:
    deadline = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    versions = history(
        ("v1", deadline - timedelta(days=2)),
        ("v2", deadline - timedelta(seconds=1)),
        ("v3", deadline),
        ("v4", deadline + timedelta(seconds=1)),
    )
    at_deadline = version_at(versions, deadline)
    assert at_deadline is not None and at_deadline.fields.title == "v3"
    before = version_at(versions, deadline - timedelta(microseconds=1))
    assert before is not None and before.fields.title == "v2"
    assert version_at(versions, deadline - timedelta(days=3)) is None
    assert version_at(list(reversed(versions)), deadline) == at_deadline


@settings(max_examples=100)
@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12),
    st.integers(min_value=-10, max_value=10_010),
)
def test_version_at_property(offsets: list[int], probe: int) -> None:
    versions = [Version(i + 1, T0 + timedelta(seconds=s), str(i), form(f"v{i}")) for i, s in enumerate(sorted(offsets))]
    instant = T0 + timedelta(seconds=probe)
    chosen = version_at(versions, instant)
    earlier = [v for v in versions if v.saved_at <= instant]
    if not earlier:
        assert chosen is None
    else:
        assert chosen == max(earlier, key=lambda v: v.number)


def test_body_text_joins_the_judged_sections() -> None:
    text = InitiativeForm.from_mapping(complete_fields()).body_text()
    assert text.startswith("Đặt lịch hẹn trực tuyến")
    assert MOT_CUA_PARAGRAPHS[1] in text


def test_version_refuses_naive_times() -> None:
    with pytest.raises(ValidationError):
        Version(1, datetime(2026, 11, 1, 10, 0), "h", form("v1"))
    local = Version(1, datetime(2026, 11, 1, 17, 0, tzinfo=VN), "h", form("v1"))
    assert local.saved_at == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def test_form_round_trips_through_its_dict() -> None:
    original = InitiativeForm.from_mapping(complete_fields())
    assert InitiativeForm.from_mapping(original.to_dict()) == original
    assert fields_hash(InitiativeForm.from_mapping(original.to_dict())) == fields_hash(original)
