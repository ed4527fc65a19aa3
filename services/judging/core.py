"""What every part of judging's use cases shares: the repositories, helpers, the contest's set-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from services.judging.domain.aggregation import EntryResult, calibration, z_score_totals
from services.judging.domain.rounds import RoundRule
from services.judging.domain.rubric import Criterion, Rubric
from services.judging.repositories import JudgingRepositories
from services.judging.settings import JudgingSettings
from services.judging.store import DocLocks
from shared.envelope import Envelope, EventPayload
from shared.errors import Invalid, NotFound
from shared.events.judging import (
    JudgingSetupChanged,
    ReviewersChanged,
    RoundSetup,
)
from shared.mongo import Doc
from shared.view_cache import ViewCache
from shared.web.i18n import N_

log = structlog.get_logger(__name__)

MSG_CLOSED = N_("Vòng chấm đã đóng, không nhận thêm điểm hay sửa điểm.")
MSG_FROZEN = N_("Cấu hình chấm đã bị khoá vì vòng chấm đã bắt đầu; không thể thay đổi thang điểm hay các vòng.")
MSG_DECLARE = N_("Bạn cần xác nhận không có xung đột lợi ích trước khi mở hồ sơ này.")
MSG_WITHDRAWN = N_("Hồ sơ này đã được rút khỏi vòng chấm.")
MSG_NOT_YOURS = N_("Không tìm thấy bài được phân công cho bạn.")
MSG_CHANGED = N_("Phiếu chấm vừa thay đổi ở nơi khác, vui lòng tải lại.")


def invalid(errors: dict[str, str], detail: str = N_("Dữ liệu không hợp lệ.")) -> Invalid:
    return Invalid(detail, errors)


def rubric_doc(r: Rubric) -> Doc:
    return {"version": r.version, "criteria": [
        {"key": c.key, "name": c.name, "description": c.description, "max_points": c.max_points,
         "weight": c.weight, "required": c.required} for c in r.criteria]}


def rubric_of(doc: Doc) -> Rubric:
    return Rubric(version=doc["version"], criteria=tuple(Criterion(**c) for c in doc["criteria"]))


def result_of(r: Doc) -> EntryResult:
    """The stored round result of a review as the domain's :class:`EntryResult`."""
    res = r["result"]
    return EntryResult(entry_id=r["entry_id"], judge_totals=res["judge_totals"], mean_total=res["mean_total"],
                       trimmed_mean=res["trimmed_mean"], official_total=res["official_total"],
                       criterion_means=res["criterion_means"], spread=res["spread"],
                       disagreement=res["disagreement"], judge_count=len(res["judge_totals"]))


def counted_totals(results: Sequence[EntryResult], standardised: bool) -> dict[str, float]:
    """Entry id -> the total that counts: the official (raw) total, or the z-score one."""
    if not results:
        return {}
    if standardised:
        return z_score_totals(results, calibration(results))
    return {r.entry_id: r.official_total for r in results}


class RoundState:
    """A round's assigned entries and each judge's load (see ``JudgingService._round_state``)."""

    def __init__(self) -> None:
        self.assigned: set[str] = set()
        self.loads: dict[str, int] = {}




@dataclass
class JudgingCore:
    """The state every part shares and what they all read: contests, rules, the panel, rounds;
    the set-up snapshot other services learn from."""

    repos: JudgingRepositories
    settings: JudgingSettings
    locks: DocLocks = field(default_factory=DocLocks)
    views: ViewCache = field(default_factory=ViewCache)  # the organisers' summaries (``views.py``)
    _rounds_seen: dict[tuple[str, int], RoundState] = field(default_factory=dict)

    def _env(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.settings.service_name)

    async def contest(self, contest_id: str) -> Doc:
        c = await self.repos.contests.get(contest_id)
        if c is None:
            raise NotFound("Không tìm thấy cuộc thi.")
        return c

    async def contest_list(self) -> list[Doc]:
        """Every contest's name and closing time, latest closing first (the organisers' picker)."""
        return await self.repos.contests.listing()

    def rules(self, contest: Doc) -> list[RoundRule]:
        """The contest's rounds; without configuration, one round of the default K."""
        conf = contest.get("setup") or {}
        rounds = conf.get("rounds") or [{"judges_per_entry": self.settings.judges_per_entry}]
        return [RoundRule(r["judges_per_entry"], r.get("advance_top_n"), r.get("advance_min_total")) for r in rounds]

    def threshold(self, contest: Doc) -> float:
        return float((contest.get("setup") or {}).get("disagreement_threshold", self.settings.disagreement_threshold))

    @staticmethod
    def standardised(contest: Doc) -> bool:
        return bool((contest.get("setup") or {}).get("standardised", False))

    @staticmethod
    def on_panel(contest: Doc, judge_id: str) -> bool:
        """Without a chosen panel, every active judge is on it."""
        panel = contest.get("panel")
        return panel is None or judge_id in panel

    async def panel_judges(self, contest: Doc) -> list[Doc]:
        return await self.repos.judges.active(contest.get("panel"))

    async def active_judges(self, contest: Doc) -> list[Doc]:
        """Every active judge by name, each marked whether on the contest's panel (``on_panel``)."""
        return [{**j, "on_panel": self.on_panel(contest, j["_id"])} for j in await self.repos.judges.active_by_name()]

    async def judge_names(self, ids: set[str]) -> dict[str, Doc]:
        return await self.repos.judges.names(ids)

    async def entry_brief(self, entry_id: str) -> Doc:
        """An entry's code and title (``{}`` if unknown)."""
        brief = (await self.repos.entries.briefs([entry_id])).get(entry_id)
        return {k: v for k, v in brief.items() if k in ("_id", "code", "title")} if brief else {}

    async def publish_setup(self, contest_id: str) -> None:
        """Tell readers the contest's whole judging set-up as it is now (``JudgingSetupChanged``)."""
        contest = await self.repos.contests.get(contest_id)
        if contest is None:
            return
        rubric = rubric_of(contest["rubric"])
        rules = self.rules(contest)
        known = {r["round_no"]: r for r in await self.rounds(contest_id)}
        deadlines = contest.get("round_deadlines") or {}
        rounds = [RoundSetup(round_no=n, judges_per_entry=(known.get(n) or {}).get("k", rule.judges_per_entry),
                             released=bool((known.get(n) or {}).get("released")),
                             closed=bool((known.get(n) or {}).get("closed")), final=n == len(rules),
                             deadline=deadlines.get(f"r{n}"))
                  for n, rule in enumerate(rules, 1)]
        now = datetime.now(UTC)
        event = self._env(JudgingSetupChanged(
            contest_id=contest_id, as_of=now, rubric_version=rubric.version, criteria=len(rubric.criteria),
            max_total=rubric.max_total, panel_chosen=contest.get("panel") is not None,
            panel_size=len(await self.panel_judges(contest)), rounds=rounds))
        await self.repos.contests.setup_published(contest_id, now, [event])

    async def publish_all_setups(self) -> None:
        """At start-up: a snapshot lost to a crash between a change and its publication is healed."""
        for contest_id in await self.repos.contests.unannounced_ids():
            await self.publish_setup(contest_id)

    def _forget_rounds(self) -> None:
        self._rounds_seen.clear()

    def _reviewers(self, r: Doc, judge_ids: list[str]) -> Envelope:
        return self._env(ReviewersChanged(contest_id=r["contest_id"], entry_id=r["entry_id"], round_no=r["round_no"],
                                          judge_ids=sorted(judge_ids)))

    async def rounds(self, contest_id: str) -> list[Doc]:
        return await self.repos.rounds.of_contest(contest_id)

    async def current_round(self, contest_id: str) -> int | None:
        """The latest released round (the one organisers watch)."""
        rounds = [r for r in await self.rounds(contest_id) if r.get("released")]
        return rounds[-1]["round_no"] if rounds else None
