"""What notifications hears: accounts, contests, entries' statuses and authors, judging's
assignments and rounds, announced results, replication plans and the unit directory."""

from __future__ import annotations

from services.notifications import account_messages, adoption_messages, judging_messages
from services.notifications.service import Notifications
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.authors import EntryAuthorsRecorded
from shared.events.awards import ResultsAnnounced
from shared.events.contests import ContestClosed, ContestDeadlineExtended, ContestOpened, ContestUpdated
from shared.events.judging import EntryReviewStarted, ReviewersChanged, RoundClosed
from shared.events.statuses import EntryStatusChanged
from shared.handlers import Route, on
from shared.unit_copy import UnitCopy


def routes(svc: Notifications, units: UnitCopy) -> list[Route]:
    return [
        on(AccountRegistered, AccountUpdated)(svc.on_account),
        on(ContestOpened, ContestUpdated, ContestDeadlineExtended, ContestClosed)(svc.on_contest),
        on(EntryStatusChanged)(svc.on_status),
        on(EntryAuthorsRecorded)(svc.on_authors),
        on(EntryReviewStarted)(svc.on_review_started),
        on(ReviewersChanged)(svc.on_reviewers),
        on(RoundClosed)(svc.on_round_closed),
        on(ResultsAnnounced)(svc.on_results),
        *account_messages.routes(svc),
        *judging_messages.routes(svc),
        *adoption_messages.routes(svc, units),
    ]
