"""Explanations: the domain gives codes and values, the catalogue words them as before.

The literal sentences below are what the rules' explanations read before they became codes
(taken from the previous in-domain wording); the format-1 hash pins every sentence of a result
with an override, a removed prize, a tie and an unfilled tier, since such hashes were published.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.awards.domain.allocation import Override, rank_and_allocate
from services.awards.domain.explanations import Msg, Named, Score, Seq
from services.awards.domain.result_hash import ResultInputError, canonical_inputs, compute_result
from services.awards.explanations import WORDING, render
from shared.web.i18n import SHARED_LOCALES, Catalog

from .factories import entry, standard_structure
from .test_result_hash import sample_entries

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
OVERRIDES = [Override("E4", "first", 1, "Quyết định của hội đồng giám khảo.", "Ban Tổ chức", AT),
             Override("E1", None, None, "Điều chỉnh theo đề nghị.", "Ban Tổ chức", AT)]


def _legacy(overrides: list[Override]) -> bytes:
    data = canonical_inputs(sample_entries(), 3, standard_structure(), overrides)
    return data.replace(b'"format":"contest-awards-inputs/2"', b'"format":"contest-awards-inputs/1"')


def test_format_1_results_keep_their_published_hashes() -> None:
    """Digests computed with the wording as it was inside the domain: any change of a
    sentence (code or catalogue) would change them."""
    assert compute_result(_legacy([]), render=render)[1] == (
        "4f3de932d430b6df6d0cfb4ef30a2a7f63d763be9d5cc752341038391e558f76")
    result, digest = compute_result(_legacy(OVERRIDES), render=render)
    assert digest == "e1e165f6c1c8ee4f26e5ee599d905c04e1cf66bb29c9ec3a8b7231bc3f9649eb"
    assert result["rows"][1]["explanation_vi"] == (
        "Hạng 2, tổng điểm 92,00. Điều chỉnh theo quyết định của Ban Tổ chức lúc 09:00:00 ngày 20/11/2026: "
        "Điều chỉnh theo đề nghị. Kết quả tính theo quy tắc: Hạng 1, 92,00 điểm: nhận Giải Nhất "
        "(đạt mức tối thiểu 70).")
    assert result["rows"][3]["explanation_en"] == (
        "Rank 4, total score 85.33. Tied with «Một cửa điện tử cấp xã» on total score (85.33); ranked below "
        "because of a lower Effectiveness criterion score (35.00 vs 36.00). Rank 4, 85.33 points: awarded "
        "Second Prize (meets the minimum of 70). No higher prize because: all 1 places of First Prize went to "
        "higher-ranked entries.")


def test_a_format_1_result_cannot_be_computed_without_the_wording() -> None:
    with pytest.raises(ResultInputError):
        compute_result(_legacy([]))
    compute_result(canonical_inputs(sample_entries(), 3, standard_structure()))  # format 2 is data only


def test_the_domain_explains_with_codes_and_values_only() -> None:
    alloc = rank_and_allocate([entry("A", 90), entry("B", 85.333333, effectiveness=36), entry("C", 85.333334)],
                              standard_structure())

    def texts(value: object) -> list[str]:
        """Every text inside an explanation (numbers and instants are typed values)."""
        if isinstance(value, Msg):
            assert value.code in WORDING
            return [w for v in value.params.values() for w in texts(v)]
        if isinstance(value, Seq):
            return [value.sep] + [w for v in value.items for w in texts(v)]
        if isinstance(value, Named):
            return [value.vi, value.en]
        return [value] if isinstance(value, str) else []

    for r in alloc.ranking:
        # The only texts are data (ids, tier and criterion names) and punctuation, never wording.
        assert set(texts(r.explanation)) | set(texts(alloc.explain(r.entry_id))) <= {
            "A", "B", "C", "Giải Nhất", "First Prize", "Giải Nhì", "Second Prize", "Giải Ba", "Third Prize",
            "Giải Khuyến khích", "Honourable Mention", "Tính hiệu quả", "Effectiveness", " ", "; ", ", "}
    assert alloc.explain("A") == Msg.of("award", position=1, total=Score(90.0), tier=Named("Giải Nhất", "First Prize"),
                                        minimum=alloc.explain("A").params["minimum"])


def test_every_code_is_worded_in_both_languages() -> None:
    catalog = Catalog([SHARED_LOCALES, SHARED_LOCALES.parents[2] / "services" / "awards" / "locales"])
    assert not catalog.missing(WORDING.values())
    assert render(Msg.of("unfilled", tier=Named("Giải Ba", "Third Prize"), left=1, count=2), "en") == (
        "Third Prize: 1 of 2 places not awarded")
