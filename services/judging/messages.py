"""The wording of judging's rules: the domain's codes to catalogue texts.

Assignment, rubric and score checks (``services.judging.domain``) say what is wrong as a code
and its values (``shared.coded``); this module gives each code its Vietnamese msgid, and the
edge words it in the reader's language through the service's gettext catalogue
(:class:`shared.errors.Text`). Aggregation errors are broken invariants of stored data: they are
logged by code and never shown, so they have no wording.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.coded import Code, CodedError
from shared.errors import Text
from shared.web.i18n import N_

#: Code -> Vietnamese text (the msgid); ``{name}`` placeholders are the code's values.
WORDING: dict[str, str] = {
    # assignment (AssignmentError)
    "k_invalid": N_("Số giám khảo cho mỗi hồ sơ phải là số nguyên dương, nhận {k}"),
    "not_assigned": N_("Giám khảo {judge} không được phân công hồ sơ {entry}"),
    "already_scored": N_("Giám khảo {judge} đã chấm hồ sơ {entry}; cần huỷ điểm trước khi rút"),
    "unknown_entry": N_("Hồ sơ {entry} không có trong danh sách hồ sơ"),
    "duplicate_entry_ids": N_("Mã hồ sơ bị trùng: {ids}"),
    "duplicate_judge_ids": N_("Mã giám khảo bị trùng: {ids}"),
    "base_load_invalid": N_("Khối lượng sẵn có của giám khảo {judge} phải là số nguyên ≥ 0"),
    "pinned_broken": N_("Phân công có sẵn vi phạm quy tắc cho hồ sơ: {entries}"),
    "not_enough_judges": N_("Không đủ {k} giám khảo hợp lệ (khác đơn vị, không xung đột) cho {count} hồ sơ: "
                            "{entries}"),
    "no_judge_for_entry": N_("Không đủ giám khảo hợp lệ cho hồ sơ {entry}"),
    # a judge handed an entry by hand (swap_problem)
    "swap.no_entry": N_("Không tìm thấy hồ sơ trong vòng chấm."),
    "swap.not_on_panel": N_("Giám khảo này không thuộc hội đồng hoặc đã bị khoá."),
    "swap.already_on_entry": N_("Giám khảo này đã chấm hồ sơ này."),
    "swap.excluded": N_("Giám khảo này đã rút hoặc đã bị huỷ phiếu ở hồ sơ này."),
    "swap.same_unit": N_("Giám khảo cùng đơn vị với tác giả: xung đột lợi ích."),
    "swap.other_category": N_("Giám khảo không chấm lĩnh vực của hồ sơ này."),
    # rubric (RubricError)
    "criterion.no_key": N_("Mã tiêu chí không được để trống"),
    "criterion.no_name": N_("Tiêu chí '{key}' chưa có tên"),
    "criterion.max_points": N_("Điểm tối đa của tiêu chí '{key}' phải là số dương"),
    "criterion.weight": N_("Trọng số của tiêu chí '{key}' phải là số không âm"),
    "rubric.version": N_("Phiên bản thang điểm phải là số nguyên dương"),
    "rubric.empty": N_("Thang điểm phải có ít nhất một tiêu chí"),
    "rubric.duplicate_key": N_("Mã tiêu chí bị trùng: '{key}'"),
    "rubric.no_required": N_("Thang điểm phải có ít nhất một tiêu chí bắt buộc (được tính vào tổng điểm)"),
    "rubric.zero_weight": N_("Tổng trọng số của các tiêu chí bắt buộc phải lớn hơn 0"),
    "rubric.width": N_("Cần {expected} điểm thành phần, nhận được {got}"),
    "rubric.unknown_criteria": N_("Tiêu chí không có trong thang điểm: {keys}"),
    # a judge's score form (validate_scores)
    "score.unknown": N_("Tiêu chí không có trong thang điểm"),
    "score.not_a_number": N_("Điểm phải là một số"),
    "score.range": N_("Điểm phải từ 0 đến {max}"),
    "score.required": N_("Chưa chấm điểm tiêu chí bắt buộc “{name}”"),
}


def text(issue: Code | CodedError) -> Text:
    """A domain code (or error) as the message the edge words in the reader's language."""
    code = issue.issue if isinstance(issue, CodedError) else issue
    return Text(WORDING[code.code], code.params)


def swap_msgid(code: str) -> str:
    """Why a judge cannot be handed an entry, as the msgid a page translates ('' when they can)."""
    return WORDING[code] if code else ""


def texts(issues: Mapping[str, Code]) -> dict[str, str]:
    """Field -> code as field -> message, for a refusal's ``errors``."""
    return {name: text(issue) for name, issue in issues.items()}
