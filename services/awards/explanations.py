"""The wording of the awards explanations: message codes to catalogue texts.

The domain says what to explain (:mod:`services.awards.domain.explanations`); this module
says it, in Vietnamese (the msgids below) or through the service's gettext catalogue. The
published format-1 result hashes these sentences, so a change of wording here or in the
catalogue changes those hashes: ``tests/unit/awards/test_explanations.py`` pins them.
"""

from __future__ import annotations

from pathlib import Path

from services.awards.domain import formatting as fmt
from services.awards.domain.explanations import Moment, Msg, Named, Param, Score, Seq, Threshold
from shared.web.i18n import N_, service_catalog

CATALOG = service_catalog(Path(__file__).parent)

#: Code -> Vietnamese text (the msgid); ``{name}`` placeholders are the message's values.
WORDING: dict[str, str] = {
    # ranking
    "rank": N_("Hạng {position}, tổng điểm {total}."),
    "and": N_("{head} và {last}"),
    "key.value": N_("{key} ({value})"),
    "key.total.noun": N_("tổng điểm"),
    "key.median.noun": N_("trung vị điểm của giám khảo"),
    "key.submitted_at.noun": N_("thời điểm nộp"),
    "key.criterion.noun": N_("điểm tiêu chí {label}"),
    "key.total.above": N_("nhờ tổng điểm"),
    "key.total.below": N_("do tổng điểm thấp hơn"),
    "key.median.above": N_("nhờ trung vị điểm của giám khảo"),
    "key.median.below": N_("do trung vị điểm của giám khảo thấp hơn"),
    "key.submitted_at.above": N_("nhờ nộp sớm hơn"),
    "key.submitted_at.below": N_("do nộp muộn hơn"),
    "key.criterion.above": N_("nhờ điểm tiêu chí {label}"),
    "key.criterion.below": N_("do điểm tiêu chí {label} thấp hơn"),
    "tie.by_key.above": N_("Bằng điểm với «{name}» về {shared}; xếp trên {reason} ({mine} so với {theirs})."),
    "tie.by_key.below": N_("Bằng điểm với «{name}» về {shared}; xếp dưới {reason} ({mine} so với {theirs})."),
    "tie.by_id.above": N_("Bằng điểm với «{name}» về {shared}; xếp trên theo thứ tự mã bài dự thi ({first} trước "
                          "{second}), quy tắc cuối cùng chỉ để thứ tự luôn xác định."),
    "tie.by_id.below": N_("Bằng điểm với «{name}» về {shared}; xếp dưới theo thứ tự mã bài dự thi ({first} trước "
                          "{second}), quy tắc cuối cùng chỉ để thứ tự luôn xác định."),
    # allocation
    "not.category": N_("{tier} chỉ dành cho lĩnh vực «{category}»"),
    "not.minimum": N_("đạt {total} điểm, dưới mức tối thiểu {minimum} của {tier}"),
    "not.no_places": N_("{tier} không có suất nào"),
    "not.taken": N_("{tier} đã trao đủ {count} suất cho các bài xếp trên"),
    "award": N_("Hạng {position}, {total} điểm: nhận {tier} (đạt mức tối thiểu {minimum})."),
    "award.higher": N_("{award} Không nhận giải cao hơn vì: {reasons}."),
    "no_award": N_("Hạng {position}, {total} điểm: không đạt giải vì: {reasons}."),
    "override": N_("Điều chỉnh theo quyết định của {by} lúc {at}: {reason}. Kết quả tính theo quy tắc: {computed}"),
    "unfilled": N_("{tier}: còn {left}/{count} suất chưa trao"),
}


#: What an audit row says, from the facts stored with it (``services/awards/views.py``).
AUDIT: dict[str, str] = {
    "prizes_set": N_("{tiers} loại giải"),
    "prizes_set.late": N_("{tiers} loại giải (sau khi việc chấm điểm đã kết thúc)"),
    "override": N_("{code}: {prize}. Lý do: {reason}"),
    "override.position": N_("{code}: {prize}, hạng {position}. Lý do: {reason}"),
    "override.no_prize": N_("không trao giải"),
    "override_removed": N_("{code}: bỏ điều chỉnh"),
    # the Vietnamese ``detail`` stored with an override (rows keep it; readers use the facts)
    "override.detail": N_("{code}: giải {tier}. Lý do: {reason}"),
    "override.detail.position": N_("{code}: giải {tier}, hạng {position}. Lý do: {reason}"),
    "round_reopened": N_("Vòng {round_no}: {reason}"),
}


def in_lang(vi: str, en: str | None, lang: str) -> str:
    """A name the organiser gave in both languages (data, not a message of the catalogue): the
    reader's, Vietnamese where no English one was given."""
    return (en or vi) if lang == "en" else vi


def render(value: Param, lang: str) -> str:
    """An explanation (or any of its values) as the reader's language writes it."""
    vi = lang == "vi"
    match value:
        case Msg(code, params):
            text = CATALOG.gettext(WORDING[code], lang)
            return text.format_map({k: render(v, lang) for k, v in params.items()})
        case Seq(items, sep):
            return sep.join(render(v, lang) for v in items)
        case Score(number):
            return fmt.score_vi(number) if vi else fmt.score_en(number)
        case Threshold(number):
            return fmt.threshold_vi(number) if vi else fmt.threshold_en(number)
        case Moment(moment):
            return fmt.datetime_vi(moment) if vi else fmt.datetime_en(moment)
        case Named(name_vi, name_en):
            return in_lang(name_vi, name_en, lang)
        case _:
            return str(value)
