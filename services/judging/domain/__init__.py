"""Pure judging rules: rubric and scores, fair judge assignment, aggregation of results.

Standard library only and free of I/O, so the service layer (Kafka, Mongo, HTTP) can be
tested and replaced without touching the rules, and the rules can be tested exhaustively.
"""

from services.judging.domain.aggregation import (
    AggregationError,
    EntryResult,
    JudgeScore,
    JudgeStats,
    ScoreRow,
    aggregate_entry,
    aggregate_many,
    calibration,
    z_score_totals,
)
from services.judging.domain.assignment import (
    Assignment,
    AssignmentError,
    EntryRef,
    JudgeRef,
    assign_judges,
    normalise_unit,
    reassign_on_recusal,
    rebalance,
)
from services.judging.domain.rubric import (
    Criterion,
    Rubric,
    RubricError,
    default_rubric,
    format_points,
    round_points,
    validate_scores,
    weighted_total,
)

__all__ = [
    "AggregationError",
    "Assignment",
    "AssignmentError",
    "Criterion",
    "EntryRef",
    "EntryResult",
    "JudgeRef",
    "JudgeScore",
    "JudgeStats",
    "Rubric",
    "RubricError",
    "ScoreRow",
    "aggregate_entry",
    "aggregate_many",
    "assign_judges",
    "calibration",
    "default_rubric",
    "format_points",
    "normalise_unit",
    "reassign_on_recusal",
    "rebalance",
    "round_points",
    "validate_scores",
    "weighted_total",
    "z_score_totals",
]
