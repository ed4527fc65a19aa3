"""``python -m shared.admin create-topics``: create every declared topic (idempotent).

Used by the local runner and by the compose stack's one-shot ``topics`` service, so both
create exactly the topics and partition counts that ``shared.topics`` declares.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.logging import configure_logging
from shared.topics import all_topics

log = structlog.get_logger(__name__)


async def create_topics(bootstrap: str, *, replication: int = 1, attempts: int = 30) -> list[str]:
    """Create missing topics, retrying while the broker is still starting."""
    for attempt in range(1, attempts + 1):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [NewTopic(t.name, t.partitions, replication) for t in all_topics() if t.name not in existing]
            if missing:
                await admin.create_topics(missing)
            created = [t.name for t in missing]
            log.info("kafka.topics_ready", created=created)
            return created
        except Exception as exc:
            if attempt == attempts:
                raise
            log.info("kafka.not_ready", attempt=attempt, error=str(exc))
            await asyncio.sleep(1)
        finally:
            await admin.close()
    return []


def main(argv: list[str]) -> int:
    configure_logging("admin", json=os.environ.get("CONTEST_LOG_JSON") == "1")
    parser = argparse.ArgumentParser(prog="python -m shared.admin")
    parser.add_argument("command", choices=["create-topics"])
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--replication", type=int, default=1)
    args = parser.parse_args(argv)
    asyncio.run(create_topics(args.bootstrap, replication=args.replication))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
