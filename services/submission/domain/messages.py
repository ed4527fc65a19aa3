"""User-facing messages of the submission domain, Vietnamese first with an English twin.

Domain functions report *codes* (plus a few parameters) rather than prose, so the HTTP layer
can pick the language and the tests can assert on stable identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Lang = Literal["vi", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # Generic form checks.
    "required": ("Vui lòng nhập thông tin này.", "This field is required."),
    "not_text": ("Giá trị phải là văn bản.", "The value must be text."),
    "not_int": ("Giá trị phải là số nguyên.", "The value must be a whole number."),
    "not_bool": ("Giá trị phải là có/không.", "The value must be yes or no."),
    "not_list": ("Giá trị phải là một danh sách.", "The value must be a list."),
    "not_object": ("Thông tin đồng tác giả không đúng định dạng.", "The co-author entry is malformed."),
    "too_short": (
        "Cần ít nhất {min} ký tự (hiện có {length}).",
        "At least {min} characters are required (currently {length}).",
    ),
    "too_long": (
        "Không được vượt quá {max} ký tự (hiện có {length}).",
        "At most {max} characters are allowed (currently {length}).",
    ),
    # Initiative form.
    "category_unknown": (
        "Lĩnh vực không thuộc danh mục của cuộc thi.",
        "The category is not one of this contest's categories.",
    ),
    "group_not_eligible": (
        "Đối tượng tham gia không thuộc các đối tượng được dự thi.",
        "The author's group is not eligible for this contest.",
    ),
    "too_many_coauthors": (
        "Chỉ được khai tối đa {max} đồng tác giả.",
        "At most {max} co-authors are allowed.",
    ),
    "email_invalid": ("Địa chỉ email không hợp lệ.", "The email address is not valid."),
    "email_duplicate": (
        "Email này đã được khai cho một đồng tác giả khác.",
        "This email is already used by another co-author.",
    ),
    "share_range": (
        "Tỷ lệ đóng góp phải từ {min}% đến {max}%.",
        "The contribution share must be between {min}% and {max}%.",
    ),
    "share_total": (
        "Tổng tỷ lệ đóng góp của các đồng tác giả là {total}%; tác giả chính phải còn ít nhất 1%.",
        "Co-authors' shares add up to {total}%; the main author must keep at least 1%.",
    ),
    "commitment_required": (
        "Bạn cần cam kết sáng kiến là của mình, không sao chép và chưa được khen thưởng ở nơi khác.",
        "You must confirm the initiative is your own, not copied and not already awarded elsewhere.",
    ),
    # Contest set-up and window.
    "naive_datetime": ("Thời điểm phải kèm múi giờ.", "The time must include a time zone."),
    "window_order": (
        "Thời điểm kết thúc phải sau thời điểm bắt đầu nhận hồ sơ.",
        "The closing time must be after the opening time.",
    ),
    "not_positive": ("Giá trị phải lớn hơn 0.", "The value must be greater than zero."),
    "negative": ("Giá trị không được âm.", "The value must not be negative."),
    "type_unsupported": (
        "Loại tệp không được hỗ trợ: {types}.",
        "Unsupported file type(s): {types}.",
    ),
    "duplicate_value": ("Danh sách có giá trị trùng lặp.", "The list contains duplicates."),
    "deadline_not_later": (
        "Hạn mới phải sau hạn hiện tại ({current}).",
        "The new deadline must be after the current one ({current}).",
    ),
    "deadline_in_past": (
        "Hạn mới phải là một thời điểm trong tương lai.",
        "The new deadline must be in the future.",
    ),
    "reason_too_short": (
        "Lý do gia hạn cần ít nhất {min} ký tự.",
        "The reason for the extension needs at least {min} characters.",
    ),
    "contest_not_open": ("Cuộc thi chưa mở nhận hồ sơ.", "The contest is not open for entries yet."),
    "contest_closed": (
        "Đã hết hạn nộp hồ sơ ({deadline}); không thể nộp, sửa hay rút sáng kiến.",
        "The deadline has passed ({deadline}); entries can no longer be submitted, edited or withdrawn.",
    ),
    "contest_status_unknown": ("Trạng thái cuộc thi không hợp lệ.", "Unknown contest status."),
    # Attachments.
    "file_type": (
        "Loại tệp không được chấp nhận. Chỉ nhận các tệp: {allowed}.",
        "This file type is not accepted. Allowed: {allowed}.",
    ),
    "file_type_mismatch": (
        "Nội dung tệp không khớp với phần mở rộng .{ext}; vui lòng không đổi tên tệp.",
        "The file's content does not match its .{ext} extension; please do not rename files.",
    ),
    "file_size": ("Tệp vượt quá dung lượng tối đa {max_mb} MB.", "The file exceeds the {max_mb} MB limit."),
    "file_count": (
        "Mỗi sáng kiến chỉ được đính kèm tối đa {max} tệp.",
        "An initiative can have at most {max} attachments.",
    ),
    "file_empty": ("Tệp đính kèm rỗng.", "The attachment is empty."),
    # Status changes and receipts.
    "transition_stale": (
        "Cập nhật trạng thái đến muộn và đã được bỏ qua.",
        "A late status update was ignored.",
    ),
    "transition_forbidden": (
        "Không thể chuyển trạng thái từ “{current}” sang “{new}”.",
        "Cannot change the status from “{current}” to “{new}”.",
    ),
    "transition_window_closed": (
        "Chỉ có thể nộp hoặc rút sáng kiến trong thời hạn nhận hồ sơ.",
        "Entries can only be submitted or withdrawn while the contest is open.",
    ),
    "receipt_invalid": (
        "Mã hồ sơ không đúng; vui lòng kiểm tra lại từng ký tự.",
        "The receipt code is not valid; please check each character.",
    ),
}


class _KeepMissing(dict[str, object]):
    """Leaves unknown placeholders visible instead of failing to render a message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: str, lang: Lang = "vi", params: Mapping[str, object] | None = None) -> str:
    """Render a catalogue message; an unknown code is returned as-is so nothing is lost."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    template = pair[0] if lang == "vi" else pair[1]
    return template.format_map(_KeepMissing(params or {}))


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one field: a catalogue code plus the numbers its message needs."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Issue:
        return cls(code, tuple(sorted(params.items())))

    def message(self, lang: Lang = "vi") -> str:
        return message(self.code, lang, dict(self.params))


def render(issues: Mapping[str, Issue], lang: Lang = "vi") -> dict[str, str]:
    """Turn field-keyed issues into field-keyed messages for a form."""
    return {field: issue.message(lang) for field, issue in issues.items()}


class ValidationError(ValueError):
    """Raised where a function must return a value but the input breaks a rule.

    Carries the same field-keyed issues the validators return, so the HTTP layer can show
    them next to the form fields whichever way they were produced.
    """

    def __init__(self, issues: Mapping[str, Issue]) -> None:
        self.issues: dict[str, Issue] = dict(issues)
        super().__init__("; ".join(f"{k}: {v.message('en')}" for k, v in self.issues.items()))

    def messages(self, lang: Lang = "vi") -> dict[str, str]:
        return render(self.issues, lang)
