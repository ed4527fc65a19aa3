from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.awards.domain.allocation import (
    Allocation,
    AllocationError,
    Override,
    PrizeStructure,
    Tier,
    allocate,
    apply_overrides,
    rank_and_allocate,
)
from services.awards.domain.ranking import rank
from services.awards.explanations import render

from .factories import entry, refused, standard_structure

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
REASON = "Hội đồng giám khảo họp lại, xác nhận hiệu quả thực tế cao hơn"


def small_structure() -> PrizeStructure:
    return PrizeStructure(
        (
            Tier("first", "Giải Nhất", 1, 10_000_000, 90),
            Tier("second", "Giải Nhì", 2, 7_000_000, 80),
            Tier("third", "Giải Ba", 2, 5_000_000, 70),
            Tier("honourable", "Giải Khuyến khích", 2, 2_000_000, 60),
        ),
        ("criterion:effectiveness", "submitted_at"),
    )


def small_allocation() -> Allocation:
    entries = [
        entry("A", 92.0),
        entry("B", 85.5),
        entry("C", 85.5, effectiveness=31.0),
        entry("D", 72.0),
        entry("E", 68.5),
        entry("F", 66.0, category="chuyen-doi-so"),
        entry("G", 50.0),
    ]
    return rank_and_allocate(entries, small_structure())


def tiers_of(allocation: Allocation) -> dict[str, str]:
    return {a.entry_id: a.tier.key for a in allocation.awards}


def test_fills_tiers_in_order_respecting_minimums() -> None:
    allocation = small_allocation()
    assert tiers_of(allocation) == {
        "A": "first",
        "C": "second",
        "B": "second",
        "D": "third",
        "E": "honourable",
        "F": "honourable",
    }
    assert allocation.unfilled == {"third": 1}
    assert [render(m, "vi") for m in allocation.unfilled_report()] == ["Giải Ba: còn 1/2 suất chưa trao"]
    assert [a.entry_id for a in allocation.awards] == ["A", "C", "B", "D", "E", "F"]


def test_explanations_say_why_not_higher() -> None:
    allocation = small_allocation()
    award = allocation.award_for("E")
    assert award is not None
    assert "đạt 68,50 điểm, dưới mức tối thiểu 70 của Giải Ba" in render(award.explanation, "vi")
    assert render(award.explanation, "vi").startswith(
        "Hạng 5, 68,50 điểm: nhận Giải Khuyến khích (đạt mức tối thiểu 60).")
    assert "scored 68.50, below the minimum of 70 for Third Prize" in render(award.explanation, "en")
    first = allocation.award_for("A")
    assert first is not None and "Không nhận giải cao hơn" not in render(first.explanation, "vi")
    g = render(allocation.explain("G"), "vi")
    assert g.startswith("Hạng 7, 50,00 điểm: không đạt giải vì:")
    assert "đạt 50,00 điểm, dưới mức tối thiểu 60 của Giải Khuyến khích" in g


def test_full_tier_explanation() -> None:
    allocation = rank_and_allocate([entry("A", 95.0), entry("B", 94.0)], standard_structure())
    b = allocation.award_for("B")
    assert b is not None and b.tier.key == "second"
    assert "Giải Nhất đã trao đủ 1 suất cho các bài xếp trên" in render(b.explanation, "vi")
    assert "all 1 places of First Prize went to higher-ranked entries" in render(b.explanation, "en")


def test_declared_order_not_sorted_by_minimum() -> None:
    structure = PrizeStructure(
        (Tier("special", "Giải Đặc biệt", 1, 1, 50), Tier("first", "Giải Nhất", 1, 1, 90)),
    )
    allocation = rank_and_allocate([entry("A", 95.0), entry("B", 92.0)], structure)
    assert tiers_of(allocation) == {"A": "special", "B": "first"}


def test_category_tier_only_takes_its_category() -> None:
    structure = PrizeStructure(
        (
            Tier("digital", "Giải Chuyển đổi số", 1, 3_000_000, 60, category="chuyen-doi-so"),
            Tier("first", "Giải Nhất", 1, 10_000_000, 60),
        )
    )
    allocation = rank_and_allocate(
        [entry("A", 95.0), entry("B", 90.0, category="chuyen-doi-so"), entry("C", 85.0)], structure
    )
    assert tiers_of(allocation) == {"A": "first", "B": "digital"}
    a = allocation.award_for("A")
    assert a is not None and "Giải Chuyển đổi số chỉ dành cho lĩnh vực «chuyen-doi-so»" in render(a.explanation, "vi")


def test_zero_count_tier_and_unfilled_report() -> None:
    structure = PrizeStructure((Tier("first", "Giải Nhất", 0, 0, 0), Tier("second", "Giải Nhì", 3, 0, 95)))
    allocation = rank_and_allocate([entry("A", 90.0)], structure)
    assert allocation.awards == ()
    assert allocation.unfilled == {"second": 3}
    assert "Giải Nhất không có suất nào" in render(allocation.explain("A"), "vi")


def test_minimum_compared_on_two_decimals() -> None:
    structure = PrizeStructure((Tier("first", "Giải Nhất", 1, 0, 70),))
    allocation = rank_and_allocate([entry("A", 69.996)], structure)  # shown as 70,00
    assert tiers_of(allocation) == {"A": "first"}


def test_allocate_accepts_prebuilt_ranking() -> None:
    structure = small_structure()
    ranked = rank([entry("A", 92.0)], structure.chain)
    assert tiers_of(allocate(ranked, structure)) == {"A": "first"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "không âm"),
        ({"prize_vnd": -5}, "không âm"),
        ({"min_score": 101.0}, "0–100"),
        ({"min_score": -0.5}, "0–100"),
        ({"min_score": float("nan")}, "0–100"),
        ({"key": " "}, "không được để trống"),
        ({"category": ""}, "Lĩnh vực"),
    ],
)
def test_tier_validation(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "key": "first",
        "name": "Giải Nhất",
        "count": 1,
        "prize_vnd": 0,
        "min_score": 70.0,
    }
    with refused(AllocationError, message):
        Tier(**(base | kwargs))  # type: ignore[arg-type]


def test_structure_validation() -> None:
    tier = Tier("first", "Giải Nhất", 1, 0, 70)
    with refused(AllocationError, "bị trùng"):
        PrizeStructure((tier, tier))
    with refused(AllocationError, "ít nhất một"):
        PrizeStructure(())
    with refused(AllocationError, "không hợp lệ"):
        PrizeStructure((tier,), ("fastest",))
    assert issubclass(AllocationError, ValueError)
    assert PrizeStructure((tier,), ("median",)).chain == ("total", "median")


# --- overrides --------------------------------------------------------------------------


def test_override_requires_a_real_reason() -> None:
    allocation = small_allocation()
    for reason in ("", "vì hay", "  a b c d e f g h i  "):
        with refused(AllocationError, "Cần ghi rõ lý do"):
            apply_overrides(allocation, [Override("G", "third", None, reason, "Trưởng ban", AT)])


def test_override_fills_an_empty_slot_below_minimum() -> None:
    allocation = small_allocation()
    changed = apply_overrides(allocation, [Override("G", "third", None, REASON, "Trưởng ban", AT)])
    assert tiers_of(changed)["G"] == "third"
    assert changed.unfilled == {}
    award = changed.award_for("G")
    assert award is not None and award.override is not None
    assert render(award.explanation, "vi").startswith(
        f"Điều chỉnh theo quyết định của Trưởng ban lúc 09:00:00 ngày 20/11/2026: {REASON}. Kết quả tính theo quy tắc:"
    )
    assert changed.computed_tier_key("G") is None
    # the input allocation is untouched
    assert "G" not in tiers_of(allocation)


def test_override_cannot_exceed_tier_count() -> None:
    allocation = small_allocation()
    with refused(AllocationError, "Giải Nhất chỉ có 1 suất"):
        apply_overrides(allocation, [Override("B", "first", None, REASON, "Trưởng ban", AT)])


def test_swap_in_one_batch_is_allowed() -> None:
    allocation = small_allocation()
    changed = apply_overrides(
        allocation,
        [
            Override("B", "first", 1, REASON, "Trưởng ban", AT),
            Override("A", "second", None, REASON, "Trưởng ban", AT),
        ],
    )
    assert tiers_of(changed) == {
        "A": "second",
        "B": "first",
        "C": "second",
        "D": "third",
        "E": "honourable",
        "F": "honourable",
    }
    assert [r.entry_id for r in changed.ranking][:3] == ["B", "A", "C"]
    assert [r.position for r in changed.ranking] == list(range(1, 8))
    c = changed.award_for("C")
    assert c is not None and render(c.explanation, "vi").startswith("Hạng 3,")  # restated after the move
    assert changed.computed_tier_key("B") == "second"
    assert len(changed.overrides) == 2


def test_revoke_prize() -> None:
    allocation = small_allocation()
    changed = apply_overrides(
        allocation, [Override("D", None, None, "Phát hiện sáng kiến đã đạt giải nơi khác", "BTC", AT)]
    )
    assert "D" not in tiers_of(changed)
    assert changed.unfilled == {"third": 2}
    text = render(changed.explain("D"), "vi")
    assert text.startswith("Điều chỉnh theo quyết định của BTC")
    assert "nhận Giải Ba" in text  # what the rules had decided


def test_override_validation_errors() -> None:
    allocation = small_allocation()
    with refused(AllocationError, "Không có bài dự thi"):
        apply_overrides(allocation, [Override("ZZZ", None, None, REASON, "BTC", AT)])
    with refused(AllocationError, "Không có loại giải"):
        apply_overrides(allocation, [Override("G", "gold", None, REASON, "BTC", AT)])
    with refused(AllocationError, "hơn một điều chỉnh"):
        apply_overrides(
            allocation, [Override("G", None, None, REASON, "BTC", AT), Override("G", None, None, REASON, "BTC", AT)]
        )
    with refused(AllocationError, "từ 1 đến 7"):
        apply_overrides(allocation, [Override("G", None, 8, REASON, "BTC", AT)])
    with refused(AllocationError, "cùng được điều chỉnh về hạng 2"):
        apply_overrides(
            allocation, [Override("G", None, 2, REASON, "BTC", AT), Override("E", None, 2, REASON, "BTC", AT)]
        )
    with refused(AllocationError, "người quyết định"):
        apply_overrides(allocation, [Override("G", None, None, REASON, " ", AT)])
    with refused(AllocationError, "múi giờ"):
        apply_overrides(allocation, [Override("G", None, None, REASON, "BTC", datetime(2026, 11, 20))])


def test_override_respects_category_tiers() -> None:
    structure = PrizeStructure((Tier("digital", "Giải Chuyển đổi số", 1, 0, 0, category="chuyen-doi-so"),))
    allocation = rank_and_allocate([entry("A", 80.0)], structure)
    with refused(AllocationError, "chỉ dành cho lĩnh vực"):
        apply_overrides(allocation, [Override("A", "digital", None, REASON, "BTC", AT)])


def test_position_only_override_keeps_tier_when_restated() -> None:
    allocation = small_allocation()
    changed = apply_overrides(allocation, [Override("E", "honourable", 2, REASON, "BTC", AT)])
    assert [r.entry_id for r in changed.ranking] == ["A", "E", "C", "B", "D", "F", "G"]
    assert tiers_of(changed) == tiers_of(allocation)


def test_empty_batch_is_identity() -> None:
    allocation = small_allocation()
    assert apply_overrides(allocation, []) is allocation
