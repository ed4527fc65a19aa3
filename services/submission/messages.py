"""The wording of submission's messages: the domain's codes to catalogue texts, in the reader's language.

The rules (``services.submission.domain``) report what is wrong as an :class:`Issue` (a code and
the values its message needs) and know nothing of languages; this module says it, in Vietnamese
(the msgids below) or through the service's gettext catalogue (``locales/en``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from services.submission.domain.attachments import attachment_issue
from services.submission.domain.contest_rules import ContestRules
from services.submission.domain.initiative import FormInput, Status, TransitionError, check_draft, check_submission
from services.submission.domain.messages import Issue, Lang
from shared.web.i18n import N_, service_catalog

CATALOG = service_catalog(Path(__file__).parent)

#: Issue code -> Vietnamese text (the msgid); ``{name}`` placeholders are the issue's values.
WORDING: dict[str, str] = {
    "required": N_("Vui lòng nhập thông tin này."),
    "not_text": N_("Giá trị phải là văn bản."),
    "not_int": N_("Giá trị phải là số nguyên."),
    "not_bool": N_("Giá trị phải là có/không."),
    "not_list": N_("Giá trị phải là một danh sách."),
    "not_object": N_("Thông tin đồng tác giả không đúng định dạng."),
    "too_short": N_("Cần ít nhất {min} ký tự (hiện có {length})."),
    "too_long": N_("Không được vượt quá {max} ký tự (hiện có {length})."),
    "category_unknown": N_("Lĩnh vực không thuộc danh mục của cuộc thi."),
    "group_not_eligible": N_("Đối tượng tham gia không thuộc các đối tượng được dự thi."),
    "too_many_coauthors": N_("Chỉ được khai tối đa {max} đồng tác giả."),
    "email_invalid": N_("Địa chỉ email không hợp lệ."),
    "email_duplicate": N_("Email này đã được khai cho một đồng tác giả khác."),
    "share_range": N_("Tỷ lệ đóng góp phải từ {min}% đến {max}%."),
    "share_total": N_("Tổng tỷ lệ đóng góp của các đồng tác giả là {total}%; tác giả chính phải còn ít nhất 1%."),
    "commitment_required": N_("Bạn cần cam kết sáng kiến là của mình, không sao chép và chưa được khen thưởng "
                              "ở nơi khác."),
    "naive_datetime": N_("Thời điểm phải kèm múi giờ."),
    "window_order": N_("Thời điểm kết thúc phải sau thời điểm bắt đầu nhận hồ sơ."),
    "not_positive": N_("Giá trị phải lớn hơn 0."),
    "negative": N_("Giá trị không được âm."),
    "type_unsupported": N_("Loại tệp không được hỗ trợ: {types}."),
    "duplicate_value": N_("Danh sách có giá trị trùng lặp."),
    "deadline_not_later": N_("Hạn mới phải sau hạn hiện tại ({current})."),
    "deadline_in_past": N_("Hạn mới phải là một thời điểm trong tương lai."),
    "reason_too_short": N_("Lý do gia hạn cần ít nhất {min} ký tự."),
    "contest_not_open": N_("Cuộc thi chưa mở nhận hồ sơ."),
    "contest_closed": N_("Đã hết hạn nộp hồ sơ ({deadline}); không thể nộp, sửa hay rút sáng kiến."),
    "contest_status_unknown": N_("Trạng thái cuộc thi không hợp lệ."),
    "file_type": N_("Loại tệp không được chấp nhận. Chỉ nhận các tệp: {allowed}."),
    "file_type_mismatch": N_("Nội dung tệp không khớp với phần mở rộng .{ext}; vui lòng không đổi tên tệp."),
    "file_size": N_("Tệp vượt quá dung lượng tối đa {max_mb} MB."),
    "file_count": N_("Mỗi sáng kiến chỉ được đính kèm tối đa {max} tệp."),
    "file_empty": N_("Tệp đính kèm rỗng."),
    "transition_stale": N_("Cập nhật trạng thái đến muộn và đã được bỏ qua."),
    "transition_forbidden": N_("Không thể chuyển trạng thái từ “{current}” sang “{new}”."),
    "transition_window_closed": N_("Chỉ có thể nộp hoặc rút sáng kiến trong thời hạn nhận hồ sơ."),
    "receipt_invalid": N_("Mã hồ sơ không đúng; vui lòng kiểm tra lại từng ký tự."),
}

#: An entry's status as people read it.
STATUS_LABELS: dict[Status, str] = {
    "draft": N_("Bản nháp"),
    "submitted": N_("Đã nộp"),
    "withdrawn": N_("Đã rút"),
    "eligible": N_("Hợp lệ"),
    "ineligible": N_("Không hợp lệ"),
    "under_review": N_("Đang chấm"),
    "scored": N_("Đã chấm điểm"),
    "awarded": N_("Đạt giải"),
    "not_awarded": N_("Không đạt giải"),
}


def message(code: str, lang: Lang = "vi", params: Mapping[str, object] | None = None) -> str:
    """One code's message in ``lang``; an unknown code is returned as it is, so nothing is lost."""
    text = WORDING.get(code)
    return code if text is None else CATALOG.format(text, lang, params)


def issue_message(issue: Issue, lang: Lang = "vi") -> str:
    return message(issue.code, lang, dict(issue.params))


def field_messages(issues: Mapping[str, Issue], lang: Lang = "vi") -> dict[str, str]:
    """Field-keyed issues as the field-keyed messages a form shows."""
    return {name: issue_message(issue, lang) for name, issue in issues.items()}


def validate_draft(fields: FormInput, rules: ContestRules, lang: Lang = "vi") -> dict[str, str]:
    """Field-keyed messages for saving a draft; empty dict means it can be saved."""
    return field_messages(check_draft(fields, rules), lang)


def validate_for_submission(fields: FormInput, rules: ContestRules, lang: Lang = "vi") -> dict[str, str]:
    """Field-keyed messages for submitting; empty dict means it can be submitted."""
    return field_messages(check_submission(fields, rules), lang)


def status_label(status: Status, lang: Lang = "vi") -> str:
    return CATALOG.gettext(STATUS_LABELS[status], lang)


def transition_message(exc: TransitionError, lang: Lang = "vi") -> str:
    """Why a status change was refused, naming both statuses in the reader's language."""
    return message(f"transition_{exc.kind}", lang,
                   {"current": status_label(exc.current, lang), "new": status_label(exc.new, lang)})


def attachment_message(code: str, rules: ContestRules, filename: str = "", lang: Lang = "vi") -> str:
    """The message for a ``check_attachment`` code, filled in from the contest's rules."""
    return issue_message(attachment_issue(code, rules, filename), lang)
