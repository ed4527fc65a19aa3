"""structlog set up once per process, with the correlation id bound to every line.

JSON in production (one object per line for the log shipper), coloured key-value in
development. The correlation id lives in a contextvar so HTTP middleware and Kafka consumers
can bind it and every log call below them carries it without passing it around.
"""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

import structlog

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
CORRELATION_HEADER = "x-correlation-id"


def get_correlation_id() -> str:
    """The current correlation id, creating one when the work did not start from a request."""
    cid = _correlation_id.get()
    if cid is None:
        cid = uuid.uuid4().hex
        _correlation_id.set(cid)
    return cid


def set_correlation_id(value: str | None) -> str:
    cid = value if value and len(value) <= 128 else uuid.uuid4().hex
    _correlation_id.set(cid)
    structlog.contextvars.bind_contextvars(correlation_id=cid)
    return cid


def configure_logging(service: str, *, json: bool, level: str = "INFO") -> None:
    """Route stdlib and structlog output through one renderer; safe to call more than once."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "pymongo", "uvicorn.access", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
