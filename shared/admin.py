"""Operators' commands.

``python -m shared.admin create-topics``: create every declared topic (idempotent). Used by the
local runner and by the compose stack's one-shot ``topics`` service, so both create exactly the
topics, partition counts and retention that ``shared.topics`` declares.

``python -m shared.admin dlq list|replay|drop --service judging [--offset N ...|--all]``: show a
service's dead letters, put them back into the service, or mark them dealt with
(``shared.deadletters``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared import deadletters
from shared.logging import configure_logging
from shared.topics import SERVICES, all_topics

log = structlog.get_logger(__name__)


async def create_topics(bootstrap: str, *, replication: int = 1, attempts: int = 30) -> list[str]:
    """Create missing topics, retrying while the broker is still starting."""
    for attempt in range(1, attempts + 1):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [NewTopic(t.name, t.partitions, replication, topic_configs=dict(t.config))
                       for t in all_topics() if t.name not in existing]
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


async def dead_letters(args: argparse.Namespace) -> int:
    """``dlq list|replay|drop``: what an operator does with a service's dead letters."""
    if args.action == "list":
        found = await deadletters.letters(args.bootstrap, args.service)
        shown = [x for x in found if args.all or x.state == "pending"]
        for x in shown:
            sys.stdout.write(json.dumps(x.summary(), ensure_ascii=False) + "\n")
        pending = sum(x.state == "pending" for x in found)
        sys.stderr.write(f"{len(found)} letter(s) in dlq.{args.service}, {pending} pending\n")
        return 0
    if not args.offset and not args.all:
        sys.stderr.write("name the letters with --offset N (repeatable) or --all\n")
        return 2
    try:
        if args.action == "replay":
            done = await deadletters.replay(args.bootstrap, args.service, args.offset, every=args.all)
        else:
            done = await deadletters.drop(args.bootstrap, args.service, args.offset, every=args.all, note=args.note)
    except LookupError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write(json.dumps({args.action: done}) + "\n")
    return 0


def main(argv: list[str]) -> int:
    configure_logging("admin", json=os.environ.get("CONTEST_LOG_JSON") == "1")
    parser = argparse.ArgumentParser(prog="python -m shared.admin")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    sub = parser.add_subparsers(dest="command", required=True)
    topics_cmd = sub.add_parser("create-topics", help="create every declared topic (idempotent)")
    topics_cmd.add_argument("--replication", type=int, default=1)
    dlq = sub.add_parser("dlq", help="list, replay or drop a service's dead letters")
    dlq.add_argument("action", choices=["list", "replay", "drop"])
    dlq.add_argument("--service", required=True, choices=SERVICES)
    dlq.add_argument("--offset", type=int, action="append", default=[], help="a letter's offset (repeatable)")
    dlq.add_argument("--all", action="store_true", help="every pending letter (list: every letter)")
    dlq.add_argument("--note", default="", help="why letters are dropped (kept in the mark)")
    for p in (topics_cmd, dlq):
        p.add_argument("--bootstrap", default=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "dlq":
        return asyncio.run(dead_letters(args))
    asyncio.run(create_topics(args.bootstrap, replication=args.replication))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
