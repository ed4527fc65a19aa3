"""Who hears about a replication plan, and what the mails say: a unit's coordinators (found by
their account's unit, spelt any way the directory knows), the lead unit and the plan's organiser
copied on a reminder, every organiser told of a decline; inactive accounts never."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.notifications.composer import Composer
from services.notifications.domain import kinds
from services.notifications.domain.adoption import coordinators_of, organisers, overdue_recipients
from shared.units import Unit, UnitDirectory
from tests.unit.notifications.test_composer import PARAMS

DIRECTORY = UnitDirectory([Unit("STP", "Sở Tư pháp", aliases=("Sở TP",)), Unit("SNV", "Sở Nội vụ")])
PEOPLE: list[dict[str, Any]] = [
    {"_id": "a", "roles": ["coordinator"], "unit": "sở tư  pháp", "active": True},
    {"_id": "b", "roles": ["coordinator"], "unit": "Sở TP"},  # an alias; no "active": accounts are active
    {"_id": "c", "roles": ["coordinator"], "unit": "Sở Tư pháp", "active": False},
    {"_id": "d", "roles": ["participant"], "unit": "Sở Tư pháp"},
    {"_id": "e", "roles": ["coordinator"], "unit": "SNV"},
    {"_id": "o1", "roles": ["organiser"], "unit": "Sở Nội vụ"},
    {"_id": "o2", "roles": ["organiser", "judge"], "unit": "Sở Nội vụ", "active": False},
    {"_id": "f", "roles": ["coordinator"], "unit": ""},
]


def test_a_units_coordinators_are_found_by_any_spelling_and_only_active_ones() -> None:
    assert coordinators_of("STP", PEOPLE, DIRECTORY.key) == ["a", "b"]
    assert coordinators_of("Sở Nội vụ", PEOPLE, DIRECTORY.key) == ["e"]
    assert coordinators_of("UBND huyện Sóc Sơn", PEOPLE, DIRECTORY.key) == []
    assert coordinators_of("", PEOPLE, DIRECTORY.key) == [], "a coordinator without a unit answers for none"


def test_a_reminder_goes_to_the_unit_and_a_copy_to_the_lead_unit_and_the_plans_organiser() -> None:
    who = overdue_recipients("Sở Tư pháp", "Sở Nội vụ", "o1", PEOPLE, DIRECTORY.key)
    assert who.reminded == ["a", "b"] and who.copied == ["e", "o1"]
    # the late unit is the lead unit: its coordinators get the reminder, not also the copy
    assert overdue_recipients("Sở Nội vụ", "Sở Nội vụ", "o2", PEOPLE, DIRECTORY.key).copied == []


def test_a_decline_goes_to_every_active_organiser() -> None:
    assert organisers(PEOPLE) == ["o1"]


def test_the_kinds_are_a_category_people_may_turn_off() -> None:
    for kind in (kinds.ADOPTION_ASSIGNED, kinds.ADOPTION_OVERDUE, kinds.ADOPTION_DECLINED):
        assert kinds.KINDS[kind.key] is kind and kind.category in kinds.OPTIONAL
        assert not kinds.wanted(kind, {"adoption"}) and kinds.wanted(kind, {"results"})


def test_the_assignment_mail_names_the_unit_the_deadline_and_the_page() -> None:
    m = Composer("http://portal").compose("adoption_assigned", "vi", {**PARAMS, "due": date(2027, 3, 31)})
    assert m.subject == "Đơn vị được giao nhân rộng sáng kiến «Một cửa <liên thông> & số hoá» – UBND huyện Sóc Sơn"
    assert "Thời hạn áp dụng: 31/03/2027." in m.text and "http://portal/adoption/unit" in m.text
    assert "Đơn vị chủ trì hỗ trợ: Sở Nội vụ." in m.text and "&lt;liên thông&gt;" in m.html
    lead = Composer("http://portal").compose("adoption_assigned", "en", {**PARAMS, "is_lead": True})
    assert "Your unit is the lead unit" in lead.text and "Apply it by: 31 March 2027." in lead.text


def test_the_reminder_and_its_copy_differ_and_a_decline_carries_the_reason() -> None:
    late = Composer("http://portal").compose("adoption_overdue", "vi", PARAMS)
    copy = Composer("http://portal").compose("adoption_overdue", "vi", {**PARAMS, "copy": True})
    assert late.subject.startswith("Nhắc báo cáo áp dụng sáng kiến") and "(hiện: đang thí điểm)" in late.text
    assert copy.subject.startswith("Bản sao: UBND huyện Sóc Sơn chưa báo cáo") and "Xin bạn cập nhật" not in copy.text
    no = Composer("http://portal").compose("adoption_declined", "en", PARAMS)
    assert no.subject == "UBND huyện Sóc Sơn does not apply the initiative “Một cửa <liên thông> & số hoá”"
    assert "Reason: Nội dung trùng với sáng kiến đã công nhận" in no.text and "/adoption/organiser/plans/p1" in no.text
