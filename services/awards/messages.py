"""The wording of awards' rule errors: the domain's codes to catalogue texts.

Prize structures, tie-break chains and overrides (``services.awards.domain``) say what is wrong
as a code and its values (``shared.coded``); this module gives each code its Vietnamese msgid,
and the edge words it in the reader's language through the service's gettext catalogue
(:class:`shared.errors.Text`). Tier names in these messages are the organiser's Vietnamese ones.
"""

from __future__ import annotations

from shared.coded import CodedError
from shared.errors import Text
from shared.web.i18n import N_

#: Code -> Vietnamese text (the msgid); ``{name}`` placeholders are the code's values.
WORDING: dict[str, str] = {
    # a prize tier and the structure (AllocationError)
    "tier.no_key": N_("Mã loại giải không được để trống"),
    "tier.no_name": N_("Tên loại giải «{key}» không được để trống"),
    "tier.count": N_("Số lượng {name} phải là số nguyên không âm (đang là {value})"),
    "tier.prize": N_("Tiền thưởng {name} phải là số nguyên không âm (đang là {value})"),
    "tier.min_score": N_("Điểm tối thiểu của {name} phải nằm trong khoảng 0–100 (đang là {value})"),
    "tier.category": N_("Lĩnh vực của {name} không được là chuỗi rỗng (dùng None cho mọi lĩnh vực)"),
    "tier.unknown": N_("Không có loại giải mã «{key}»"),
    "structure.empty": N_("Cơ cấu giải thưởng phải có ít nhất một loại giải"),
    "structure.duplicate_tier": N_("Mã loại giải «{key}» bị trùng"),
    # overrides (AllocationError)
    "entry.unknown": N_("Không có bài dự thi mã «{entry}» trong bảng xếp hạng"),
    "override.reason": N_("Cần ghi rõ lý do điều chỉnh cho bài «{entry}» (ít nhất {min} ký tự, không tính "
                          "khoảng trắng)"),
    "override.by": N_("Cần ghi rõ người quyết định điều chỉnh cho bài «{entry}»"),
    "override.naive_at": N_("Thời điểm điều chỉnh cho bài «{entry}» phải có múi giờ"),
    "override.position": N_("Thứ hạng điều chỉnh cho bài «{entry}» phải từ 1 đến {max}"),
    "override.category": N_("{tier} chỉ dành cho lĩnh vực «{category}», bài «{entry}» thuộc lĩnh vực "
                            "«{entry_category}»"),
    "override.duplicate": N_("Bài «{entry}» có hơn một điều chỉnh trong cùng một lần"),
    "override.same_position": N_("Hai bài cùng được điều chỉnh về hạng {position}"),
    "override.too_many": N_("{tier} chỉ có {count} suất; sau điều chỉnh sẽ có {holders} bài. Cần điều chỉnh cả "
                            "bài đang giữ giải này."),
    # entries and the tie-break chain (RankingError)
    "entry.no_id": N_("Mã bài dự thi không được để trống"),
    "entry.naive_submitted_at": N_("Thời điểm nộp của bài {entry} phải có múi giờ"),
    "entry.not_finite": N_("Điểm của bài {entry} phải là số hữu hạn"),
    "entry.missing_criterion": N_("Bài {entry} thiếu điểm tiêu chí «{name}»"),
    "entry.duplicate_ids": N_("Mã bài dự thi bị trùng: {ids}"),
    "chain.string": N_("Quy tắc phân định phải là một dãy khóa, không phải một chuỗi"),
    "chain.repeated": N_("Khóa phân định «{key}» bị lặp lại"),
    "chain.total_not_first": N_("Khóa «total» (tổng điểm) chỉ được đứng đầu quy tắc phân định"),
    "chain.criterion_without_key": N_("Khóa «criterion:» phải kèm mã tiêu chí, ví dụ criterion:effectiveness"),
    "chain.unknown_key": N_("Khóa phân định «{key}» không hợp lệ (chỉ dùng total, criterion:<mã>, median, "
                            "submitted_at)"),
    # a result or inputs file read back (ResultInputError; formatting's times)
    "inputs.not_finite": N_("Giá trị số không hợp lệ (NaN hoặc vô cực)"),
    "inputs.missing_field": N_("Thiếu trường «{key}»"),
    "inputs.field_type": N_("Trường «{key}» sai kiểu"),
    "inputs.score_not_number": N_("Điểm phải là số"),
    "inputs.not_json": N_("Dữ liệu đầu vào không phải JSON hợp lệ: {detail}"),
    "inputs.format": N_("Dữ liệu đầu vào không đúng định dạng {format}"),
    "inputs.shape": N_("Dữ liệu đầu vào sai cấu trúc: {detail}"),
    "inputs.numbers_only": N_("Trường «{key}» phải chỉ gồm số"),
    "inputs.entry_not_object": N_("Mỗi bài dự thi phải là một đối tượng JSON"),
    "inputs.entry_scores_type": N_("Trường «judge_totals»/«criterion_means» sai kiểu"),
    "inputs.entry_text_type": N_("Trường văn bản của bài dự thi sai kiểu"),
    "inputs.entry_total_type": N_("Trường «official_total» sai kiểu"),
    "inputs.render_needed": N_("Kết quả định dạng 1 cần cách diễn đạt lời giải thích (render) để tính lại"),
    "inputs.result_format": N_("Kết quả không đúng định dạng {format}"),
    "inputs.mismatch": N_("Cần đúng tệp dữ liệu đầu vào mà kết quả đã tính từ đó"),
    "time.naive": N_("Thời điểm phải có múi giờ (timezone-aware datetime)"),
    "time.no_zone": N_("Thời điểm «{text}» thiếu múi giờ"),
}


def text(exc: CodedError) -> Text:
    """A rule error as the message the edge (or a page) words in the reader's language."""
    return Text(WORDING[exc.code], exc.params)
