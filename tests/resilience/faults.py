"""Helpers of the fault tests: stop and start parts of the test stack, talk to Kafka and to a
service's own database directly."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import MongoClient

from deploy.local.infra import ROOT
from shared.envelope import Envelope
from tests.conftest import PROFILE, eventually
from tests.integration.kafka_util import read_all


def runner(*args: str) -> None:
    subprocess.run([sys.executable, "deploy/local/runner.py", *args, "--profile", PROFILE.name], cwd=ROOT, check=True,
                   capture_output=True, timeout=180)


def health(service: str) -> dict[str, Any]:
    """The service's /health body, whatever its status (503 while its store is down)."""
    port = PROFILE.service_ports[service]
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/{service}/health", timeout=10)
        return dict(r.json())
    except (httpx.HTTPError, ValueError):
        return {}


def ready(service: str) -> bool:
    port = PROFILE.service_ports[service]
    try:
        return httpx.get(f"http://127.0.0.1:{port}/{service}/health/ready", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def collection(service: str, name: str) -> Any:
    """A collection of a service's own database (tests only: services never read each other's)."""
    client: MongoClient[dict[str, Any]] = MongoClient(PROFILE.mongo_url, serverSelectionTimeoutMS=10_000)
    return client[PROFILE.service_env(service)[f"{service.upper()}_MONGO_DB"]][name]


async def publish(*envs: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=PROFILE.kafka_bootstrap, enable_idempotence=True,
                                max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        for env in envs:
            await producer.send_and_wait(env.topic, env.model_dump_json().encode(), key=env.key.encode())
    finally:
        await producer.stop()


async def publish_raw(topic: str, value: bytes, *, key: bytes | None = None, partition: int | None = None) -> Any:
    producer = AIOKafkaProducer(bootstrap_servers=PROFILE.kafka_bootstrap, max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


async def sentinels(topic: str, partitions: int, run: str) -> None:
    """A poison message behind everything already on each partition of ``topic``: once its dead
    letter appears, every message before it on that partition was dealt with."""
    for p in range(partitions):
        await publish_raw(topic, f"sentinel {run} {topic} {p}: not an envelope".encode(), partition=p)


async def letters(service: str, until: Any, wait_s: float = 120) -> list[dict[str, Any]]:
    msgs = await read_all(PROFILE.kafka_bootstrap, f"dlq.{service}", until=until, wait_s=wait_s)
    return [m for m in msgs if isinstance(m, dict) and "mark" not in m]


def wait(check: Any, timeout: float, what: str) -> Any:
    return eventually(check, timeout=timeout, what=what)
