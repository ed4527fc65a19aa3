"""Each service's AsyncAPI 3 document: FastStream's own, of the service's running broker.

The broker declares what the service really does (``shared.broker``): its consumer's one batch
subscriber over every topic it reads, whose message is the list of typed envelopes it handles
(a union discriminated on ``event_type``), and one publisher per topic it writes, whose message
is the union of the envelopes of the event types on that topic. Both come from the registry
and the routes the consumer dispatches on, so the document cannot drift from the code.

One subscriber reads every topic because the consumer batches across them (one inbox query and
one commit per poll, measured to matter), so each topic read is documented with that one
message; the subscriber's description says which event types each topic brings.

Served at ``/<service>/api/asyncapi.json``.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI


def document(service: str, broker: KafkaBroker, version: str = "1") -> str:
    """The AsyncAPI document (JSON) of ``service``: what it consumes and what it publishes."""
    spec = AsyncAPI(broker, title=f"{service}: events", version=version,
                    description=f"The Kafka topics the {service} service reads and writes (envelope + payload).")
    return spec.to_specification().to_json()
