"""Helpers for the awards tests: a contest whose events are produced on the test stack's real
Kafka exactly as submission and judging publish them, so awards is driven end to end over
Kafka and FerretDB while each test controls the scores, their order and their duplicates.
(The path through the real judging API is covered by ``test_awards_flow``.)"""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from aiokafka import AIOKafkaProducer
from pypdf import PdfReader

from shared.envelope import Envelope, EventPayload
from shared.events.authors import Author, EntryAuthorsRecorded
from shared.events.contests import Category, ContestOpened
from shared.events.judging import CriterionDef, EntryRoundScored, JudgeSheet, JudgingClosed
from shared.events.statuses import EntryStatusChanged
from tests.conftest import PROFILE, Api, eventually

pytestmark = pytest.mark.integration

CRITERIA = [CriterionDef(key="novelty", name="Tính mới, tính sáng tạo", max_points=30, weight=1, required=True),
            CriterionDef(key="effectiveness", name="Tính hiệu quả", max_points=40, weight=1, required=True),
            CriterionDef(key="applicability", name="Khả năng áp dụng, nhân rộng", max_points=20, weight=1,
                         required=True),
            CriterionDef(key="presentation", name="Hình thức trình bày", max_points=10, weight=1, required=True)]
CATEGORIES = [Category(key="tthc", name="Thủ tục hành chính"), Category(key="cds", name="Chuyển đổi số")]
PRIZES: dict[str, Any] = {
    "tiers": [{"key": "first", "name": "Giải Nhất", "name_en": "First Prize", "count": 1, "prize_vnd": 10_000_000,
               "min_score": 70},
              {"key": "second", "name": "Giải Nhì", "name_en": "Second Prize", "count": 1, "prize_vnd": 7_000_000,
               "min_score": 70},
              {"key": "third", "name": "Giải Ba", "name_en": "Third Prize", "count": 1, "prize_vnd": 5_000_000,
               "min_score": 70}],
    "tie_break": ["criterion:effectiveness", "submitted_at"], "place": "Bắc Ninh"}


def account_id(api: Api) -> str:
    token = api.http.headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


async def _produce(envelopes: Sequence[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=PROFILE.kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(env.topic, env.model_dump_json().encode(), key=env.key.encode(),
                                         headers=[("event-type", env.event_type.encode())])
    finally:
        await producer.stop()


def produce(*items: EventPayload | Envelope) -> list[Envelope]:
    """Publish payloads (wrapped in fresh envelopes) or given envelopes (to redeliver them)."""
    envs = [i if isinstance(i, Envelope) else Envelope.wrap(i, producer="test") for i in items]
    with ThreadPoolExecutor(1) as pool:  # its own loop: Playwright's sync API keeps one running here
        pool.submit(asyncio.run, _produce(envs)).result()
    return envs


@dataclass
class Spec:
    """One entry: criterion means (3 identical judges), category, unit, minutes after the opening."""

    title: str
    scores: dict[str, float]
    unit: str = "UBND xã Tân Chi"
    category: str = "tthc"
    minutes: int = 0
    authors: tuple[str, ...] = ("Nguyễn Thị Mai",)

    @property
    def total(self) -> float:
        return sum(self.scores.values())


@dataclass
class Scenario:
    contest_id: str
    code: str
    name: str
    opened: datetime
    entries: dict[str, str] = field(default_factory=dict)  # title -> entry id
    codes: dict[str, str] = field(default_factory=dict)  # title -> receipt code

    def scored(self, spec: Spec, round_no: int = 1) -> EntryRoundScored:
        sheets = [JudgeSheet(judge=f"G{i}", scores=spec.scores, total=spec.total) for i in range(1, 4)]
        return EntryRoundScored(contest_id=self.contest_id, entry_id=self.entries[spec.title], round_no=round_no,
                                final_round=True, rubric_version=1, criteria=CRITERIA, sheets=sheets,
                                mean_total=spec.total, trimmed_mean=None, official_total=spec.total,
                                criterion_means=spec.scores, disagreement=False)

    def closed(self, titles: Sequence[str], round_no: int = 1) -> JudgingClosed:
        return JudgingClosed(contest_id=self.contest_id, round_no=round_no, rubric_version=1,
                             entries=[self.entries[t] for t in titles], standardised=False)


def open_contest(organiser: Api, owner: str, specs: Sequence[Spec], *, prizes: dict[str, Any] | None = PRIZES,
                 name: str = "Cuộc thi sáng kiến cải cách hành chính kiểm thử") -> Scenario:
    """Contest, authors and eligibility produced on Kafka; prizes configured through the API."""
    cid = "t" + uuid.uuid4().hex[:11]
    code = ("A" + uuid.uuid4().hex[:5]).upper()
    opened = datetime.now(UTC) - timedelta(days=10)
    sc = Scenario(cid, code, name, opened)
    produce(ContestOpened(contest_id=cid, code=code, name=name, issuing_body="Sở Nội vụ tỉnh Bắc Ninh",
                          categories=CATEGORIES, opens_at=opened, closes_at=opened + timedelta(days=5),
                          status="open", max_coauthors=5, revision=1))
    events: list[EventPayload] = []
    for i, s in enumerate(specs):
        eid = uuid.uuid4().hex[:12]
        sc.entries[s.title] = eid
        sc.codes[s.title] = f"{code}-{i + 1:06d}-AB"
        events.append(EntryAuthorsRecorded(
            entry_id=eid, contest_id=cid, code=sc.codes[s.title], owner_account_id=owner, title=s.title,
            category=s.category, unit=s.unit, summary=f"Tóm tắt: {s.title.lower()} giúp người dân đỡ đi lại.",
            authors=[Author(full_name=a, unit=s.unit) for a in s.authors],
            submitted_at=opened + timedelta(minutes=s.minutes)))
        events.append(EntryStatusChanged(entry_id=eid, contest_id=cid, category=s.category, unit=s.unit,
                                         status="eligible", at=opened))
    produce(*events)
    eventually(lambda: organiser.get(f"/awards/api/contests/{cid}/prizes").status_code == 200,
               what="awards to hear of the contest")
    if prizes is not None:
        r = organiser.put(f"/awards/api/contests/{cid}/prizes", json=prizes)
        assert r.status_code == 200, r.text
    return sc


def score_all(organiser: Api, sc: Scenario, specs: Sequence[Spec]) -> None:
    produce(*(sc.scored(s) for s in specs))
    eventually(lambda: len(organiser.get(f"/awards/api/contests/{sc.contest_id}/ranking").json()["entries"])
               >= len(specs), what="awards to rank every scored entry")


def close_judging(organiser: Api, sc: Scenario, titles: Sequence[str]) -> dict[str, Any]:
    produce(sc.closed(titles))

    def proposed() -> Any:
        r = organiser.get(f"/awards/api/contests/{sc.contest_id}/allocation")
        return r.status_code == 200 and r.json()
    return dict(eventually(proposed, what="the proposal after JudgingClosed"))


def ready_allocation(organiser: Api, contest_id: str) -> dict[str, Any]:
    def ready() -> Any:
        r = organiser.get(f"/awards/api/contests/{contest_id}/allocation")
        return r.status_code == 200 and r.json()["ready"] and r.json()
    return dict(eventually(ready, what="a complete proposal"))


def approve_and_announce(organiser: Api, sc: Scenario) -> str:
    view = ready_allocation(organiser, sc.contest_id)
    r = organiser.post(f"/awards/api/contests/{sc.contest_id}/approve",
                       json={"confirm": True, "result_hash": view["result_hash"]})
    assert r.status_code == 200, r.text
    r = organiser.post(f"/awards/api/contests/{sc.contest_id}/announce", json={"confirm": True})
    assert r.status_code == 200, r.text
    return str(view["result_hash"])


def certificate_code(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    m = re.search(r"Mã xác thực:\s*([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert m, text
    return m.group(1)


def test_produced_events_reach_awards(organiser: Api) -> None:
    """The helpers themselves: a produced contest and score show up in the live ranking."""
    spec = Spec("Một cửa liên thông điện tử cấp xã", {"novelty": 25, "effectiveness": 35, "applicability": 16,
                                                       "presentation": 8})
    sc = open_contest(organiser, "nobody", [spec], prizes=None)
    score_all(organiser, sc, [spec])
    ranking = organiser.get(f"/awards/api/contests/{sc.contest_id}/ranking").json()
    assert ranking["provisional"] is True
    assert ranking["entries"][0]["code"] == sc.codes[spec.title]
    assert ranking["entries"][0]["official_total"] == pytest.approx(84)


def test_judging_closed_before_the_prizes_were_saved_is_no_dead_end(organiser: Api) -> None:
    """The organiser forgot the prize structure and closed the final round: prizes can still be
    saved, the allocation follows, and approval and announcement go through."""
    specs = [Spec("Một cửa không giấy", {"novelty": 25, "effectiveness": 35, "applicability": 18,
                                         "presentation": 8}, unit="Sở Tư pháp", minutes=1)]
    sc = open_contest(organiser, "nobody", specs, prizes=None)
    score_all(organiser, sc, specs)
    produce(sc.closed([s.title for s in specs]))
    eventually(lambda: organiser.get(f"/awards/api/contests/{sc.contest_id}/allocation").status_code == 409
               and "cơ cấu giải" in organiser.get(f"/awards/api/contests/{sc.contest_id}/allocation").json()["detail"],
               what="awards to know judging closed")
    r = organiser.put(f"/awards/api/contests/{sc.contest_id}/prizes", json=PRIZES)
    assert r.status_code == 200, r.text
    page = organiser.get(f"/awards/organiser?contest_id={sc.contest_id}", headers={"Accept": "text/html"})
    assert "sau khi việc chấm điểm đã kết thúc" in page.text, "the audit log says when the prizes were set"
    approve_and_announce(organiser, sc)


def test_after_two_rounds_the_ranking_lists_finalists_in_official_order_then_the_rest_by_round(
        organiser: Api) -> None:
    """Preliminary totals never sit among final totals: the two eliminated entries scored more in
    round 1 than the finalists did in round 2, yet they come after them, marked round 1."""
    def s(total: float) -> dict[str, float]:
        return {"novelty": total * 0.3, "effectiveness": total * 0.4, "applicability": total * 0.2,
                "presentation": total * 0.1}
    round1 = [Spec("Sơ khảo cao nhất", s(95)), Spec("Sơ khảo thứ hai", s(93)), Spec("Vào chung khảo A", s(90)),
              Spec("Vào chung khảo B", s(89)), Spec("Vào chung khảo C", s(88))]
    sc = open_contest(organiser, "nobody", round1)
    # Organisers advanced A, B, C (say a category quota): the top two stop at round 1.
    produce(*[sc.scored(x, round_no=1) for x in round1])
    final = {"Vào chung khảo A": s(71), "Vào chung khảo B": s(84), "Vào chung khảo C": s(77)}
    produce(*[sc.scored(Spec(t, v), round_no=2) for t, v in final.items()])
    produce(sc.closed(list(final), round_no=2))
    allocation = ready_allocation(organiser, sc.contest_id)
    ranking = organiser.get(f"/awards/api/contests/{sc.contest_id}/ranking").json()
    assert ranking["provisional"] is False
    rows = ranking["entries"]
    assert [r["entry_id"] for r in rows[:3]] == [r["entry_id"] for r in allocation["rows"]], "the official order"
    assert [r["round_no"] for r in rows] == [2, 2, 2, 1, 1]
    assert [r["title"] for r in rows] == ["Vào chung khảo B", "Vào chung khảo C", "Vào chung khảo A",
                                         "Sơ khảo cao nhất", "Sơ khảo thứ hai"]
    assert [r["position"] for r in rows] == [1, 2, 3, 4, 5]


def test_an_entry_found_ineligible_after_judging_closed_leaves_the_result_and_a_correction_brings_it_back(
        organiser: Api) -> None:
    specs = [Spec("Bản sao chép phát hiện muộn", {"novelty": 29, "effectiveness": 38, "applicability": 19,
                                                  "presentation": 9}),
             Spec("Sáng kiến thật sự", {"novelty": 25, "effectiveness": 35, "applicability": 18, "presentation": 8},
                  minutes=2)]
    sc = open_contest(organiser, "nobody", specs)
    score_all(organiser, sc, specs)
    close_judging(organiser, sc, [s.title for s in specs])
    assert ready_allocation(organiser, sc.contest_id)["rows"][0]["entry_id"] == sc.entries[specs[0].title]
    copied = sc.entries[specs[0].title]

    def decided(status: str) -> None:
        produce(EntryStatusChanged(entry_id=copied, contest_id=sc.contest_id, category="tthc", unit="UBND xã Tân Chi",
                                   status=status, at=datetime.now(UTC)))
    decided("ineligible")

    def rows() -> list[str]:
        return [r["entry_id"] for r in organiser.get(f"/awards/api/contests/{sc.contest_id}/allocation").json()
                .get("rows", [])]
    eventually(lambda: rows() == [sc.entries[specs[1].title]], what="the ineligible entry to leave the allocation")
    ranking = organiser.get(f"/awards/api/contests/{sc.contest_id}/ranking").json()
    assert copied not in [r["entry_id"] for r in ranking["entries"]]
    decided("eligible")  # the decision was itself a mistake, corrected with a reason in submission
    eventually(lambda: rows() == [copied, sc.entries[specs[1].title]], what="the entry to come back")


def test_public_statistics_count_spellings_of_one_unit_once(organiser: Api) -> None:
    """'SỞ TƯ PHÁP', 'Sở Tư pháp' and 'Sở  Tư   pháp' are one unit on the public page, as they
    are one unit for conflicts of interest (shared.units.unit_key)."""
    s = {"novelty": 25, "effectiveness": 35, "applicability": 18, "presentation": 8}
    specs = [Spec("Một", s, unit="SỞ TƯ PHÁP"), Spec("Hai", s, unit="Sở Tư pháp", minutes=1),
             Spec("Ba", s, unit="Sở  Tư   pháp", minutes=2), Spec("Bốn", s, unit="UBND xã Tân Chi", minutes=3)]
    sc = open_contest(organiser, "nobody", specs)
    score_all(organiser, sc, specs)
    close_judging(organiser, sc, [x.title for x in specs])
    approve_and_announce(organiser, sc)
    stats = organiser.get(f"/awards/api/public/contests/{sc.contest_id}/results").json()["statistics"]
    assert stats["units"] == 2 and stats["total"] == 4
    counts = sorted(n for _, n in stats["by_unit"])
    assert counts == [1, 3], stats["by_unit"]
