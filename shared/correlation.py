"""The correlation id on Kafka, as a FastStream middleware on every service's broker.

Publishing: every message carries the id under the platform's header (``x-correlation-id``)
and as FastStream's own correlation id. It is the one the publisher names (the relay passes
each envelope's), else the one of the work under way (the broker's ``id_generator`` is
``shared.logging.get_correlation_id``): a dead letter written while handling an event carries
that event's id.

Consuming: a single message's header is bound to the logging context. A batch is one message
to a middleware, so the batch consumer (``shared.broker.Consumer``) binds each event's id from
its envelope as it handles it; the events that handling writes take it from there
(``Envelope.wrap``) and the relay publishes them with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware, StreamMessage
from faststream.kafka.response import KafkaPublishCommand

from shared.logging import CORRELATION_HEADER, get_correlation_id, set_correlation_id


class CorrelationMiddleware(BaseMiddleware[KafkaPublishCommand, Any]):
    async def consume_scope(self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]],
                            msg: StreamMessage[Any]) -> Any:
        if not isinstance(msg.raw_message, tuple | list):  # a batch: bound per event by the consumer
            set_correlation_id(msg.headers.get(CORRELATION_HEADER) or msg.correlation_id)
        return await call_next(msg)

    async def publish_scope(self, call_next: Callable[[KafkaPublishCommand], Awaitable[Any]],
                            cmd: KafkaPublishCommand) -> Any:
        cid = cmd.headers.get(CORRELATION_HEADER) or cmd.correlation_id or get_correlation_id()  # (set: see above)
        cmd.headers = {**cmd.headers, CORRELATION_HEADER: cid}
        cmd.correlation_id = cid
        return await call_next(cmd)
