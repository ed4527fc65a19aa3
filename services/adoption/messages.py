"""The wording of adoption's rules: the domain's codes to catalogue texts (Vietnamese msgids,
English in ``locales/en``), worded in the reader's language at the edge (``shared.errors.Text``)."""

from __future__ import annotations

from shared.coded import Code
from shared.errors import Text
from shared.web.i18n import N_

#: Code -> Vietnamese text; ``{name}`` placeholders are the code's values.
WORDING: dict[str, str] = {
    "indicator.no_name": N_("Mỗi chỉ tiêu cần có mã và tên."),
    "indicator.type": N_("Kiểu giá trị của chỉ tiêu không hợp lệ."),
    "indicator.baseline": N_("Giá trị gốc của chỉ tiêu «{name}» không hợp lệ."),
    "indicator.count": N_("Kế hoạch cần từ 1 đến {most} chỉ tiêu."),
    "indicator.duplicate": N_("Mã chỉ tiêu bị trùng: {keys}"),
    "value.not_number": N_("Giá trị phải là một số."),
    "value.out_of_range": N_("Giá trị phải nằm trong khoảng {low} đến {high}."),
    "value.not_whole": N_("Giá trị phải là số nguyên."),
    "value.negative": N_("Giá trị không được âm."),
    "value.future_date": N_("Ngày đo không được sau hôm nay."),
    "value.unknown": N_("Kế hoạch không có chỉ tiêu này."),
    "plan.no_units": N_("Chọn ít nhất một đơn vị áp dụng."),
    "plan.too_many_units": N_("Tối đa {most} đơn vị trong một kế hoạch."),
    "plan.no_lead": N_("Cần có đơn vị chủ trì hỗ trợ."),
    "plan.due_past": N_("Thời hạn phải sau hôm nay."),
    "plan.not_draft": N_("Chỉ công bố được kế hoạch đang soạn."),
    "plan.withdrawn": N_("Kế hoạch đã bị thu hồi."),
    "plan.published_no_edit": N_("Kế hoạch đã công bố tới các đơn vị nên không sửa được nữa; nếu cần thay đổi, "
                                 "hãy thu hồi và lập kế hoạch mới."),
    "plan.reason_needed": N_("Cần nêu lý do thu hồi kế hoạch."),
    "answer.already": N_("Đơn vị đã trả lời về sáng kiến này."),
    "reason.needed_decline": N_("Cần nêu lý do không áp dụng."),
    "reason.needed_stage": N_("Chuyển sang giai đoạn này (lùi lại, dừng hoặc tiếp tục sau khi dừng) cần nêu lý do."),
    "reason.too_long": N_("Lý do quá dài (tối đa {most} ký tự)."),
    "stage.not_accepted": N_("Đơn vị cần nhận áp dụng sáng kiến trước khi báo cáo tiến độ."),
    "stage.unknown": N_("Giai đoạn không hợp lệ."),
    "file.file_type": N_("Loại tệp không được chấp nhận. Chỉ nhận các tệp: {allowed}."),
    "file.file_type_mismatch": N_("Nội dung tệp không khớp với phần mở rộng .{ext}; vui lòng không đổi tên tệp."),
    "file.file_size": N_("Tệp vượt quá dung lượng tối đa {max_mb} MB."),
    "file.file_count": N_("Mỗi đơn vị chỉ được đính kèm tối đa {most} tệp minh chứng cho một sáng kiến."),
    "file.file_empty": N_("Tệp đính kèm rỗng."),
}

STAGE_NAMES: dict[str, str] = {
    "planned": N_("Đã lên kế hoạch"), "piloting": N_("Đang thí điểm"), "applied": N_("Đã áp dụng"),
    "institutionalised": N_("Đã thể chế hoá"), "stopped": N_("Đã dừng"),
}
ANSWER_NAMES: dict[str, str] = {"assigned": N_("Chờ trả lời"), "accepted": N_("Đã nhận áp dụng"),
                                "declined": N_("Không áp dụng")}
PLAN_STATUS_NAMES: dict[str, str] = {"draft": N_("Đang soạn"), "published": N_("Đã công bố"),
                                     "withdrawn": N_("Đã thu hồi")}
VALUE_TYPE_NAMES: dict[str, str] = {"number": N_("Số"), "percent": N_("Phần trăm (%)"), "days": N_("Số ngày"),
                                    "vnd": N_("Số tiền (VNĐ)"), "count": N_("Số lượng")}


def say(issue: Code) -> Text:
    """A domain code as a message worded in the reader's language."""
    return Text(WORDING[issue.code], issue.params)
