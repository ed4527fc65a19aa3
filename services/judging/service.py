"""Judging's use cases, one class composed of parts kept in their own modules: copies of judges,
contests and blind entries (``projections``); configuration (``setup``); assignment, recusal
and rebalancing (``assignment``, ``work``); the judge's work (``work``); organisers'
corrections (``controls``); closing rounds (``closing``); feedback to authors after the
announcement (``feedback``); reminders to judges, by hand and on a schedule (``reminding``);
what they share (``core``).

Storage is reached through one repository per aggregate (``repositories``: judges, contests,
entries, rounds, reviews, reminders, feedback), on MongoDB in production (``mongo_repositories``) and in
memory in the use-case tests (``memory_repositories``). A judge's sheet lives inside the entry's
review document; submitting the last sheet computes the round result (``domain.aggregation``)
and queues ``EntryRoundScored`` in the same compare-and-set write. Changes that touch several
reviews (a recusal, a panel change) write each review with its own compare-and-set; a review
that changed meanwhile is left as it was.
"""

from __future__ import annotations

from services.judging.controls import OrganiserControls
from services.judging.core import (  # re-exported: the API, pages and tests use them from here
    JudgingCore,
    counted_totals,
    result_of,
    rubric_of,
)
from services.judging.feedback import Feedback
from services.judging.projections import Projections
from services.judging.reminding import Reminding
from services.judging.setup import SetUp

__all__ = ["JudgingCore", "JudgingService", "counted_totals", "result_of", "rubric_of"]


class JudgingService(Projections, SetUp, OrganiserControls, Feedback, Reminding):
    """Copies kept from events (``projections``), set-up (``setup``), rounds and assignment
    (``assignment``), the judge's work (``work``), organisers' corrections (``controls``),
    closing (``closing``), feedback (``feedback``) and reminders (``reminding``), over the
    shared state of ``core``."""
