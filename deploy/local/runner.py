"""The local runner behind ``./contest``: bring the whole platform up, stop it, report on it.

    python deploy/local/runner.py up [--profile dev|test] [--no-seed] [--replicas submission=2,judging=2]
    python deploy/local/runner.py down|status [--profile ...]
    python deploy/local/runner.py stop|start kafka|ferretdb|mailpit|nginx|<service>[-<replica>] [--profile ...]

A further replica of a service (``start submission-2``) listens on its own port behind the same
nginx upstream, which is rewritten and reloaded when a replica starts or stops.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.local import infra, mailpit
from deploy.local.infra import MAX_REPLICAS, PROFILES, SERVICES, InfraError, Proc, Profile
from shared.logging import configure_logging

log = structlog.get_logger("runner")
ORDER = ("ferretdb", "kafka", "mailpit", *SERVICES, "nginx")


def parse_replicas(spec: str) -> dict[str, int]:
    """``submission=2,judging=2`` -> how many processes each named service runs."""
    counts: dict[str, int] = {}
    for part in filter(None, spec.split(",")):
        service, _, n = part.partition("=")
        if service not in SERVICES or not n.isdigit() or not 1 <= int(n) <= MAX_REPLICAS:
            raise InfraError(f"--replicas takes service=count with count 1..{MAX_REPLICAS}, not {part!r}")
        counts[service] = int(n)
    return counts


def replica_names() -> list[str]:
    return [infra.replica_name(s, k) for s in SERVICES for k in range(2, MAX_REPLICAS + 1)]


def up(profile: Profile, *, seed: bool, replicas: dict[str, int] | None = None) -> None:
    t0 = time.monotonic()
    infra.install_kafka()
    infra.install_ferretdb()
    mailpit.install_mailpit()
    infra.nginx_binary()
    t_install = time.monotonic() - t0
    infra.start_ferretdb(profile)
    infra.start_kafka(profile)
    mailpit.start_mailpit(profile)
    infra.create_topics(profile)
    started = [(s, k) for s in SERVICES for k in range(1, (replicas or {}).get(s, 1) + 1)]
    for s, k in started:
        infra.start_service(profile, s, k)
    for s, k in started:
        infra.wait_service(profile, s, k)
    infra.start_nginx(profile)
    t_up = time.monotonic() - t0
    accounts: list[tuple[str, str, str]] = []
    if seed:
        from deploy.local.seed import seed_demo

        accounts = seed_demo(profile)
    log.info("platform.up", profile=profile.name, url=profile.gateway, install_s=round(t_install, 1),
             start_s=round(t_up, 1), total_s=round(time.monotonic() - t0, 1))
    lines = [
        "",
        f"  Nền tảng đã chạy / platform is up: {profile.gateway}/",
        f"  (installs {t_install:.1f}s, start {t_up:.1f}s, total {time.monotonic() - t0:.1f}s)",
    ]
    if accounts:
        lines.append("  Tài khoản demo / demo accounts (password for all: shown beside each):")
        lines += [f"    {role:<12} {email:<34} {pw}" for role, email, pw in accounts]
    lines.append(f"  E-mail đã gửi / mail sent (Mailpit): {mailpit.ui_url(profile)}/")
    lines.append(f"  Logs: {profile.var / 'logs'}   Stop: ./contest down")
    sys.stdout.write("\n".join(lines) + "\n")


def down(profile: Profile) -> None:
    for name in replica_names():
        Proc(name, profile).stop()
    for name in reversed(ORDER):
        Proc(name, profile).stop()


def status(profile: Profile) -> int:
    missing = 0
    for name in ORDER:
        p = Proc(name, profile)
        pid = p.pid()
        missing += pid is None
        sys.stdout.write(f"{name:<13} {'running pid ' + str(pid) if pid else 'stopped'}\n")
    for name in replica_names():
        if (pid := Proc(name, profile).pid()) is not None:
            sys.stdout.write(f"{name:<13} running pid {pid}\n")
    return 1 if missing else 0


def start_one(profile: Profile, name: str) -> None:
    replica = infra.parse_replica(name)
    if name == "kafka":
        infra.start_kafka(profile)
    elif name == "ferretdb":
        infra.start_ferretdb(profile)
    elif name == "mailpit":
        mailpit.start_mailpit(profile)
    elif name == "nginx":
        infra.start_nginx(profile)
    elif replica is not None:
        infra.start_service(profile, *replica)
        infra.wait_service(profile, *replica)
        if replica[1] > 1:
            infra.reload_nginx(profile)
    else:
        raise InfraError(f"unknown component {name}")


def stop_one(profile: Profile, name: str) -> None:
    Proc(name, profile).stop()
    replica = infra.parse_replica(name)
    if replica is not None and replica[1] > 1:
        infra.reload_nginx(profile)


def main(argv: list[str]) -> int:
    configure_logging("runner", json=False)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # connection refusals while waiting are expected
    parser = argparse.ArgumentParser(prog="./contest")
    parser.add_argument("command", choices=["up", "down", "status", "install", "start", "stop"])
    parser.add_argument("component", nargs="?")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="dev")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--replicas", default="", help="processes per service, e.g. submission=2,judging=2")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    try:
        if args.command == "up":
            up(profile, seed=not args.no_seed and profile.name == "dev", replicas=parse_replicas(args.replicas))
        elif args.command == "down":
            down(profile)
        elif args.command == "status":
            return status(profile)
        elif args.command == "install":
            infra.install_kafka()
            infra.install_ferretdb()
            mailpit.install_mailpit()
            infra.nginx_binary()
        elif args.command in ("start", "stop"):
            if not args.component:
                parser.error("start/stop need a component: kafka, ferretdb, mailpit, nginx or a service")
            if args.command == "stop":
                stop_one(profile, args.component)
            else:
                start_one(profile, args.component)
    except InfraError as exc:
        log.error("runner.failed", error=str(exc).splitlines()[0])
        sys.stderr.write(f"\nKhông khởi động được / could not start:\n{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
