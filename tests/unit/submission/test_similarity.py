from __future__ import annotations

import random
import statistics
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.submission.domain.similarity import (
    NUM_PERM,
    Fingerprint,
    SimilarityIndex,
    estimate_jaccard,
    fingerprint,
    fingerprint_from_dict,
    fingerprint_to_dict,
    fold_diacritics,
    folded_tokens,
    jaccard,
    minhash,
    normalize_text,
    shingles,
    side_by_side,
    signature_from_list,
    signature_to_list,
    split_sentences,
)

from .vi_texts import HO_TICH_TEXT, MOT_CUA_PARAGRAPHS, MOT_CUA_TEXT, THANH_TOAN_TEXT, without_diacritics_and_reordered

_SYLLABLE_TEXT = (
    "thủ tục hành chính một cửa liên thông hồ sơ trực tuyến dịch vụ công cấp xã huyện tỉnh người dân "
    "doanh nghiệp tiếp nhận trả kết quả thời gian chi phí giảm số hóa dữ liệu chữ ký điện tử phần mềm "
    "quy trình cán bộ công chức viên chức đánh giá hài lòng phản ánh kiến nghị đất đai hộ tịch khai sinh "
    "chứng thực bản sao đăng ký kinh doanh giấy phép xây dựng thuế phí lệ phí thanh toán ngân hàng bưu "
    "chính ứng dụng di động cổng thông tin cải cách chỉ số năng lực cạnh tranh minh bạch trách nhiệm"
)
SYLLABLES = _SYLLABLE_TEXT.split()


def random_text(rng: random.Random, words: int) -> list[str]:
    return [rng.choice(SYLLABLES) for _ in range(words)]


# --- normalisation ----------------------------------------------------------------------------


def test_normalize_text_keeps_accents_but_drops_case_and_punctuation() -> None:
    assert normalize_text("  Bộ phận “Một cửa”,   UBND xã!\n") == "bộ phận một cửa ubnd xã"


def test_fold_diacritics_handles_every_vietnamese_mark_and_d_bar() -> None:
    assert fold_diacritics("Đăng ký hộ tịch, Bộ phận Một cửa") == "Dang ky ho tich, Bo phan Mot cua"
    assert fold_diacritics("ả ã ạ ằ ẩ ẽ ề ĩ ỏ ớ ợ ũ ừ ỳ ỵ đ Đ") == "a a a a a e e i o o o u u y y d D"


def test_folded_tokens_ignore_unicode_form_case_and_accents() -> None:
    nfc = "Tiếp nhận HỒ SƠ trực tuyến."
    nfd = unicodedata.normalize("NFD", nfc)
    plain = "tiep nhan ho so truc tuyen"
    assert folded_tokens(nfc) == folded_tokens(nfd) == folded_tokens(plain) == plain.split()


def test_punctuation_inside_tokens_splits_words() -> None:
    assert folded_tokens("UBND/HĐND (cấp xã) – một-cửa…") == ["ubnd", "hdnd", "cap", "xa", "mot", "cua"]


def test_shingles_of_short_and_empty_texts() -> None:
    assert len(shingles("một cửa")) == 1
    assert shingles("  ,.;  ") == frozenset()
    assert fingerprint("").signature == ()
    assert len(shingles("một hai ba bốn năm")) == 3


# --- copies and different texts ---------------------------------------------------------------


def build_index() -> SimilarityIndex:
    index = SimilarityIndex()
    index.add("mot-cua", "SK2026", MOT_CUA_TEXT)
    index.add("ban-chep", "SK2026", without_diacritics_and_reordered())
    index.add("thanh-toan", "SK2026", THANH_TOAN_TEXT)
    index.add("ho-tich", "SK2025", HO_TICH_TEXT)
    return index


def test_copy_without_diacritics_and_with_reordered_paragraph_is_flagged() -> None:
    index = build_index()
    found = index.matches("ban-chep", threshold=0.6)
    assert [m.other_id for m in found] == ["mot-cua"]
    assert found[0].other_contest_id == "SK2026"
    assert found[0].score >= 0.9  # only the shingles across the moved paragraph's edges differ


def test_different_topics_are_not_flagged() -> None:
    index = build_index()
    assert index.matches("thanh-toan") == []
    assert index.matches("ho-tich") == []
    assert jaccard(shingles(MOT_CUA_TEXT), shingles(THANH_TOAN_TEXT)) < 0.05
    assert jaccard(shingles(MOT_CUA_TEXT), shingles(HO_TICH_TEXT)) < 0.05


def test_find_pairs_reports_only_the_copy() -> None:
    pairs = build_index().find_pairs(0.6)
    assert [(p.a_id, p.b_id) for p in pairs] == [("ban-chep", "mot-cua")]
    assert pairs[0].a_contest_id == pairs[0].b_contest_id == "SK2026"


def test_copy_from_a_previous_contest_is_caught() -> None:
    index = SimilarityIndex()
    index.add("cu-2025", "SK2025", MOT_CUA_TEXT)
    index.add("moi-2026", "SK2026", MOT_CUA_TEXT.upper())
    assert index.matches("moi-2026")[0].other_contest_id == "SK2025"


def test_partial_copy_scores_lower_than_full_copy() -> None:
    index = SimilarityIndex()
    index.add("goc", "SK2026", MOT_CUA_TEXT)
    index.add("mot-doan", "SK2026", MOT_CUA_PARAGRAPHS[1] + "\n\n" + THANH_TOAN_TEXT)
    assert index.matches("goc", threshold=0.6) == []
    low = index.matches("goc", threshold=0.05)
    assert low and low[0].score < 0.4


def test_remove_and_reindex() -> None:
    index = build_index()
    index.remove("mot-cua")
    assert "mot-cua" not in index
    assert index.matches("ban-chep") == []
    index.add("ban-chep", "SK2026", THANH_TOAN_TEXT)  # the author rewrote the entry
    assert len(index) == 3
    assert [m.other_id for m in index.matches("ban-chep")] == ["thanh-toan"]
    index.remove("khong-ton-tai")  # ignored
    with pytest.raises(KeyError):
        index.matches("khong-ton-tai")


def test_threshold_must_be_a_fraction() -> None:
    with pytest.raises(ValueError):
        build_index().find_pairs(0)
    with pytest.raises(ValueError):
        build_index().matches("mot-cua", threshold=1.5)


def test_planted_near_copies_are_found_among_many_entries() -> None:
    rng = random.Random(2026)
    index = SimilarityIndex()
    originals = {f"e{i}": random_text(rng, 400) for i in range(300)}
    for entry_id, words in originals.items():
        index.add(entry_id, "SK2026", " ".join(words))
    planted = set()
    for i in range(0, 300, 30):
        words = list(originals[f"e{i}"])
        for pos in rng.sample(range(len(words)), 12):  # 3 % of the words changed
            words[pos] = rng.choice(SYLLABLES)
        index.add(f"copy{i}", "SK2026", " ".join(words))
        planted.add((f"copy{i}", f"e{i}"))
    pairs = index.find_pairs(0.6)
    assert {(p.a_id, p.b_id) for p in pairs} == planted
    assert all(p.score >= 0.6 for p in pairs)


# --- MinHash accuracy -------------------------------------------------------------------------


def test_minhash_estimate_is_close_to_exact_jaccard() -> None:
    rng = random.Random(11)
    errors = []
    for _ in range(60):
        base = random_text(rng, 600)
        other = random_text(rng, 600)
        cut = rng.randint(0, 600)
        mixed = base[:cut] + other[cut:]
        a, b = fingerprint(" ".join(base)), fingerprint(" ".join(mixed))
        exact = jaccard(a.shingle_set(), b.shingle_set())
        estimate = estimate_jaccard(a.signature, b.signature)
        errors.append(estimate - exact)
        assert abs(estimate - exact) < 0.16  # > 3.5 standard deviations for 128 bins
    assert abs(statistics.mean(errors)) < 0.02  # unbiased
    assert statistics.mean(abs(e) for e in errors) < 0.05


def test_identical_sets_have_identical_signatures_even_when_sparse() -> None:
    small = [1, 2**31, 2**32 - 1]  # most bins empty: densification must be deterministic
    assert minhash(small) == minhash(list(reversed(small)))
    assert estimate_jaccard(minhash(small), minhash(small)) == 1.0
    assert len(minhash(small)) == NUM_PERM
    assert minhash([]) == ()


# --- storage ----------------------------------------------------------------------------------


def test_signature_list_round_trip() -> None:
    sig = fingerprint(MOT_CUA_TEXT).signature
    stored = signature_to_list(sig)
    assert all(isinstance(v, int) and 0 <= v < 2**63 for v in stored)  # fits BSON int64
    assert signature_from_list(stored) == sig


@pytest.mark.parametrize("values", [[1, 2, 3], [-1] * NUM_PERM, [True] * NUM_PERM, ["1"] * NUM_PERM])
def test_signature_from_list_refuses_garbage(values: list[object]) -> None:
    with pytest.raises(ValueError):
        signature_from_list(values)


def test_index_rebuilt_from_stored_fingerprints_gives_the_same_answers() -> None:
    original = build_index()
    stored = {
        "mot-cua": fingerprint_to_dict(fingerprint(MOT_CUA_TEXT)),
        "ban-chep": fingerprint_to_dict(fingerprint(without_diacritics_and_reordered())),
        "thanh-toan": fingerprint_to_dict(fingerprint(THANH_TOAN_TEXT)),
    }
    rebuilt = SimilarityIndex()
    for entry_id, doc in stored.items():
        rebuilt.add_fingerprint(entry_id, "SK2026", fingerprint_from_dict(doc))
    assert rebuilt.matches("ban-chep") == original.matches("ban-chep")


def test_bare_signatures_fall_back_to_the_estimate() -> None:
    index = SimilarityIndex()
    a, b = fingerprint(MOT_CUA_TEXT), fingerprint(without_diacritics_and_reordered())
    index.add_signature("mot-cua", "SK2026", signature_from_list(signature_to_list(a.signature)))
    index.add_signature("ban-chep", "SK2026", b.signature)
    [match] = index.matches("ban-chep")
    assert match.score == estimate_jaccard(a.signature, b.signature)


def test_fingerprint_from_another_scheme_must_be_recomputed() -> None:
    doc = fingerprint_to_dict(fingerprint(MOT_CUA_TEXT)) | {"scheme": "old"}
    with pytest.raises(ValueError):
        fingerprint_from_dict(doc)


def test_fingerprint_with_other_parameters_is_refused() -> None:
    fp = fingerprint(MOT_CUA_TEXT, num_perm=64)
    assert isinstance(fp, Fingerprint) and len(fp.signature) == 64
    with pytest.raises(ValueError):
        SimilarityIndex().add_fingerprint("x", "SK2026", fp)


# --- side by side -----------------------------------------------------------------------------


def test_split_sentences() -> None:
    text = "Câu thứ nhất. Câu thứ hai!  Câu thứ ba?\nDòng mới không có dấu chấm\n\nĐoạn mới…  Hết"
    assert split_sentences(text) == [
        "Câu thứ nhất.",
        "Câu thứ hai!",
        "Câu thứ ba?",
        "Dòng mới không có dấu chấm",
        "Đoạn mới…",
        "Hết",
    ]


def test_side_by_side_highlights_copied_and_moved_sentences() -> None:
    rows = side_by_side(MOT_CUA_TEXT, without_diacritics_and_reordered())
    assert rows and all(row.same for row in rows)  # every sentence is shared, some moved
    aligned = [row for row in rows if row.a and row.b]
    assert aligned and all(fold_diacritics(row.a) == row.b for row in aligned)
    moved = [row for row in rows if not (row.a and row.b)]
    assert moved  # the swapped paragraphs show up as one-sided rows


def test_side_by_side_marks_different_sentences() -> None:
    a = "Người dân đặt lịch hẹn trực tuyến. Công chức tiếp nhận hồ sơ đúng giờ. Kết quả được trả qua bưu điện."
    b = "Nguoi dan dat lich hen truc tuyen. Hồ sơ được số hóa ngay tại quầy. Ket qua duoc tra qua buu dien."
    rows = side_by_side(a, b)
    assert [(row.a, row.b, row.same) for row in rows] == [
        ("Người dân đặt lịch hẹn trực tuyến.", "Nguoi dan dat lich hen truc tuyen.", True),
        ("Công chức tiếp nhận hồ sơ đúng giờ.", "Hồ sơ được số hóa ngay tại quầy.", False),
        ("Kết quả được trả qua bưu điện.", "Ket qua duoc tra qua buu dien.", True),
    ]


SENTENCES = st.lists(st.sampled_from(split_sentences(MOT_CUA_TEXT + "\n" + THANH_TOAN_TEXT)), max_size=8)


@settings(max_examples=100)
@given(SENTENCES, SENTENCES)
def test_side_by_side_columns_give_back_both_texts(a: list[str], b: list[str]) -> None:
    rows = side_by_side(" ".join(a), "\n".join(b))
    assert [row.a for row in rows if row.a] == a
    assert [row.b for row in rows if row.b] == b
    keys_a = {tuple(folded_tokens(s)) for s in a}
    keys_b = {tuple(folded_tokens(s)) for s in b}
    for row in rows:
        if row.a and row.b:
            assert row.same == (folded_tokens(row.a) == folded_tokens(row.b))
        elif row.a:
            assert row.same == (tuple(folded_tokens(row.a)) in keys_b)
        else:
            assert row.same == (tuple(folded_tokens(row.b)) in keys_a)
