"""The real servers the platform runs on locally: Kafka, FerretDB, nginx, and the services.

Each is a child process in its own session, with a pid file and a log under the profile's var
folder, started only when not already running (idempotent) and waited for until it answers.
Downloads and builds go to a cache shared by every checkout on the machine
(``$CONTEST_CACHE``, default ``~/.cache/contest``), so only the first start pays for them.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("CONTEST_CACHE", Path.home() / ".cache" / "contest"))
KAFKA_VERSION = "4.1.1"
FERRETDB_VERSION = "v1.24.2"
SERVICES = ("identity", "submission", "judging", "awards", "notifications", "adoption")
MAX_REPLICAS = 5
#: Mailpit's SMTP and web UI/API ports per profile (``deploy.local.mailpit``).
MAIL_PORTS = {"dev": (1025, 8025), "test": (11025, 18025), "ci": (21025, 28025), "alt": (23025, 23026)}

log = structlog.get_logger("runner")


class InfraError(RuntimeError):
    """Something could not be installed or started; the message says what and where to look."""


@dataclass(frozen=True)
class Profile:
    name: str
    gateway_port: int
    mongo_port: int
    kafka_port: int
    controller_port: int
    service_ports: Mapping[str, int] = field(default_factory=dict)

    @property
    def var(self) -> Path:
        return ROOT / "var" / self.name

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def replica_port(self, service: str, replica: int) -> int:
        """Replica 1 is the service's own port; replica k listens 10 x (k - 1) above it (8111, 8121...)."""
        if not 1 <= replica <= MAX_REPLICAS:
            raise InfraError(f"replicas are numbered 1..{MAX_REPLICAS}, not {replica}")
        return self.service_ports[service] + 10 * (replica - 1)

    def service_env(self, service: str, replica: int = 1) -> dict[str, str]:
        """The environment one service process gets: only its own prefixed variables. The store is
        FerretDB's adapter unless ``CONTEST_STORE=mongodb`` (the plain path, run against FerretDB)."""
        p = service.upper()
        return {
            f"{p}_ENVIRONMENT": "test" if self.name == "test" else "development",
            f"{p}_HTTP_PORT": str(self.replica_port(service, replica)),
            f"{p}_MONGO_URL": self.mongo_url,
            f"{p}_STORE": os.environ.get("CONTEST_STORE", "ferretdb"),
            f"{p}_MONGO_DB": f"contest_{service}" if self.name == "dev" else f"contest_{self.name}_{service}",
            f"{p}_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            f"{p}_KAFKA_GROUP": service,
            f"{p}_JWKS_URL": f"http://127.0.0.1:{self.service_ports['identity']}/identity/.well-known/jwks.json",
            f"{p}_PUBLIC_BASE_URL": self.gateway,
            f"{p}_SECRET_KEY": f"local-{self.name}-secret-{service}-not-for-production",
            # Tests read right after they write: a summary page always waits for its recomputation.
            **({f"{p}_VIEW_FRESH_WAIT_S": "60"} if self.name != "dev" else {}),
            # E-mail goes to this profile's Mailpit; tests see digests and retries in seconds, not minutes.
            **({"NOTIFICATIONS_SMTP_PORT": str(MAIL_PORTS[self.name][0])} if service == "notifications" else {}),
            **({"NOTIFICATIONS_DIGEST_WAIT_S": "2", "NOTIFICATIONS_SEND_BACKOFF_S": "1",
                "NOTIFICATIONS_SEND_BACKOFF_CAP_S": "3", "NOTIFICATIONS_SEND_LEASE_S": "5",
                "NOTIFICATIONS_POLL_S": "0.5"} if service == "notifications" and self.name != "dev" else {}),
            **({"NOTIFICATIONS_DIGEST_WAIT_S": "30"} if service == "notifications" and self.name == "dev" else {}),
            # Tests see a due judging reminder within a second, not a minute.
            **({"JUDGING_REMINDER_TICK_S": "1"} if service == "judging" and self.name != "dev" else {}),
            # ... and a unit past a plan's date (adoption's overdue sweep) within two seconds, not an hour.
            **({"ADOPTION_OVERDUE_CHECK_S": "2"} if service == "adoption" and self.name != "dev" else {}),
            # The test stacks' file quotas are small, so tests can reach them with small files.
            **({"SUBMISSION_MAX_ENTRY_FILE_BYTES": str(3 * 1024 * 1024),
                "SUBMISSION_MAX_ACCOUNT_FILE_BYTES": str(5 * 1024 * 1024)}
               if service == "submission" and self.name != "dev" else {}),
        }


PROFILES = {
    "dev": Profile("dev", 8080, 27017, 9092, 9093,
                   {"identity": 8104, "submission": 8101, "judging": 8102, "awards": 8103, "notifications": 8105,
                    "adoption": 8106}),
    "test": Profile("test", 18080, 37017, 19092, 19093,
                    {"identity": 18104, "submission": 18101, "judging": 18102, "awards": 18103,
                     "notifications": 18105, "adoption": 18106}),
    # A second test profile on other ports, so a clean clone can run the suite beside a working copy.
    "ci": Profile("ci", 28080, 47017, 29092, 29093,
                  {"identity": 28104, "submission": 28101, "judging": 28102, "awards": 28103,
                   "notifications": 28105, "adoption": 28106}),
    # A third, for running the suite beside the other two (several people or agents on one machine).
    "alt": Profile("alt", 23080, 23017, 23092, 23093,
                   {"identity": 23104, "submission": 23101, "judging": 23102, "awards": 23103,
                    "notifications": 23105, "adoption": 23106}),
}


def _run(cmd: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise InfraError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


# ---------------------------------------------------------------- installs (cached)

def kafka_libs() -> Path:
    return CACHE / f"kafka-{KAFKA_VERSION}" / "libs"


def install_kafka() -> Path:
    """Resolve the broker jars from Maven Central with the project's pom, once."""
    libs = kafka_libs()
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise InfraError("Kafka needs a JDK (17+) and Maven: install them (Debian: openjdk-17-jdk-headless maven)")
    log.info("install.kafka", version=KAFKA_VERSION, into=str(libs))
    libs.mkdir(parents=True, exist_ok=True)
    _run(["mvn", "-q", "-B", "-f", str(HERE / "kafka" / "pom.xml"), "dependency:copy-dependencies",
          f"-DoutputDirectory={libs}", "-DincludeScope=runtime", f"-Dkafka.version={KAFKA_VERSION}"],
         what="resolving Kafka jars with Maven")
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise InfraError(f"Maven finished but no kafka_2.13 jar is in {libs}")
    marker.touch()
    return libs


def ferretdb_binary() -> Path:
    return CACHE / f"ferretdb-{FERRETDB_VERSION}" / "ferretdb"


def install_ferretdb() -> Path:
    """Build FerretDB from the Go module proxy. Its build needs a version file the module zip
    lacks, so the source is copied out of the module cache and the file written first."""
    binary = ferretdb_binary()
    if binary.exists():
        return binary
    if shutil.which("go") is None:
        raise InfraError("FerretDB is built with Go: install Go 1.24+ (it is on the machine image)")
    log.info("install.ferretdb", version=FERRETDB_VERSION)
    work = CACHE / "build"
    work.mkdir(parents=True, exist_ok=True)
    env = {"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    proc = subprocess.run(["go", "mod", "download", "-json", f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"],
                          cwd=work, env={**os.environ, **env}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise InfraError(f"downloading FerretDB {FERRETDB_VERSION} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    import json

    src_dir = Path(json.loads(proc.stdout)["Dir"])
    src = work / f"ferretdb-{FERRETDB_VERSION}"
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(src_dir, src)
    for p in src.rglob("*"):
        with contextlib.suppress(OSError):
            p.chmod(p.stat().st_mode | 0o200)
    (src / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
    binary.parent.mkdir(parents=True, exist_ok=True)
    _run(["go", "build", "-trimpath", "-o", str(binary), "./cmd/ferretdb"], cwd=src, env=env, what="building FerretDB")
    shutil.rmtree(src, ignore_errors=True)
    return binary


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if path is None:
        raise InfraError("nginx is not installed (Debian: apt-get install nginx-light); ./contest setup does it")
    return path


# ---------------------------------------------------------------- processes

@dataclass
class Proc:
    name: str
    profile: Profile

    @property
    def pidfile(self) -> Path:
        return self.profile.var / "run" / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.profile.var / "logs" / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # A zombie or a recycled pid of another program does not count as running.
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.split(")")[-1].split()[0] == "Z":
                return None
        except OSError:
            return None
        return pid

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, cmd: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        if self.running():
            return
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        out = self.logfile.open("ab")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd or ROOT, start_new_session=True)
        self.pidfile.write_text(str(proc.pid))
        log.info("process.started", name=self.name, pid=proc.pid, log=str(self.logfile))

    def stop(self, timeout: float = 15.0) -> None:
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.1)
        if self.pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            time.sleep(0.3)
        self.pidfile.unlink(missing_ok=True)
        log.info("process.stopped", name=self.name)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def wait_for(proc: Proc, check: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``check`` until it passes; fail fast with the log tail if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        if not proc.running():
            raise InfraError(f"{proc.name} exited while starting ({what}). Last lines of {proc.logfile}:\n"
                             f"{proc.log_tail()}")
        time.sleep(0.25)
    raise InfraError(f"{proc.name} did not become ready in {timeout:.0f}s ({what}). See {proc.logfile}:\n"
                     f"{proc.log_tail()}")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ensure_port(proc: Proc, port: int) -> None:
    if not proc.running() and not port_free(port):
        raise InfraError(f"port {port} for {proc.name} is taken by another program: stop it or use another profile")


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return bool(200 <= resp.status < 300)
    except OSError:
        return False


# ---------------------------------------------------------------- FerretDB

def start_ferretdb(profile: Profile) -> None:
    binary = install_ferretdb()
    proc = Proc("ferretdb", profile)
    _ensure_port(proc, profile.mongo_port)
    data = profile.var / "ferretdb"
    data.mkdir(parents=True, exist_ok=True)
    proc.start([str(binary), "--handler=sqlite", f"--sqlite-url=file:{data}/", f"--state-dir={data}",
                f"--listen-addr=127.0.0.1:{profile.mongo_port}", "--telemetry=disable",
                # e.g. 127.0.0.1:18088 to read /debug/metrics and /debug/pprof while measuring
                f"--debug-addr={os.environ.get('CONTEST_FERRETDB_DEBUG_ADDR', '-')}",
                "--log-level=warn"])
    from pymongo import MongoClient

    def ping() -> bool:
        with MongoClient[dict[str, object]](profile.mongo_url, serverSelectionTimeoutMS=500) as c:
            c.admin.command("ping")
        return True

    wait_for(proc, ping, timeout=30, what="answering ping on the MongoDB wire protocol")


# ---------------------------------------------------------------- Kafka

def _kafka_properties(profile: Profile) -> Path:
    data = profile.var / "kafka"
    props = data / "server.properties"
    data.mkdir(parents=True, exist_ok=True)
    props.write_text(
        "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{profile.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{profile.kafka_port},CONTROLLER://127.0.0.1:{profile.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{profile.kafka_port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data / 'logs'}",
            "num.partitions=3",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=168",
            "log.segment.bytes=67108864",
            "",
        ])
    )
    return props


def _java(profile: Profile, main: str, *args: str) -> list[str]:
    return ["java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={HERE / 'kafka' / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={profile.var / 'logs' / 'kafka'}",
            "-cp", f"{kafka_libs()}/*", main, *args]


def start_kafka(profile: Profile) -> None:
    install_kafka()
    proc = Proc("kafka", profile)
    _ensure_port(proc, profile.kafka_port)
    _ensure_port(proc, profile.controller_port)
    props = _kafka_properties(profile)
    if not (profile.var / "kafka" / "logs" / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        _run(_java(profile, "kafka.tools.StorageTool", "format", "--standalone", f"--cluster-id={cluster_id}",
                   f"--config={props}"),
             what="formatting Kafka storage")
    proc.start(_java(profile, "kafka.Kafka", str(props)))
    wait_for(proc, lambda: _kafka_ready(profile), timeout=90, what="accepting metadata requests")


def _kafka_ready(profile: Profile) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def check() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=profile.kafka_bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        finally:
            await admin.close()

    return asyncio.run(check())


def create_topics(profile: Profile) -> None:
    """Create every topic the project declares, with its partition count (idempotent)."""
    import asyncio

    from shared.admin import create_topics as create

    asyncio.run(create(profile.kafka_bootstrap))


# ---------------------------------------------------------------- nginx

def nginx_conf(profile: Profile) -> Path:
    conf_dir = profile.var / "nginx"
    (conf_dir / "tmp").mkdir(parents=True, exist_ok=True)
    (conf_dir / "tmp").chmod(0o777)  # workers drop to an unprivileged user when started as root
    ups = "\n".join(
        f"  upstream {s} {{ {' '.join(f'server 127.0.0.1:{port};' for port in replica_ports(profile, s))} "
        "keepalive 32; keepalive_timeout 60s; }"
        for s in SERVICES
    )
    tmp = conf_dir / "tmp"
    conf = conf_dir / "nginx.conf"
    conf.write_text(f"""# generated by deploy/local/infra.py for the {profile.name} profile
worker_processes 2;
pid {conf_dir / 'nginx.pid'};
daemon off;
error_log {profile.var / 'logs' / 'nginx-error.log'} warn;
events {{ worker_connections 4096; }}
http {{
  log_format main '$remote_addr "$request" $status $body_bytes_sent $request_time rid=$request_id';
  access_log {profile.var / 'logs' / 'nginx-access.log'} main buffer=32k flush=1s;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  types {{ text/html html; text/css css; application/javascript js; }}
{ups}
  server {{
    listen 127.0.0.1:{profile.gateway_port};
    include {ROOT / 'deploy' / 'nginx' / 'routes.conf'};
  }}
}}
""")
    return conf


def replica_ports(profile: Profile, service: str) -> list[int]:
    """The ports of the service's first process and of every further replica running now."""
    return [profile.replica_port(service, k) for k in range(1, MAX_REPLICAS + 1)
            if k == 1 or Proc(replica_name(service, k), profile).running()]


def reload_nginx(profile: Profile) -> None:
    """Write the upstreams again (the replicas running now) and have nginx load them (SIGHUP);
    requests under way finish on the old workers."""
    proc = Proc("nginx", profile)
    pid = proc.pid()
    if pid is None:
        return
    conf = nginx_conf(profile)
    _run([nginx_binary(), "-t", "-q", "-c", str(conf), "-e", str(profile.var / "logs" / "nginx-error.log")],
         what="checking the nginx configuration")
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.5)  # the new workers take over


def start_nginx(profile: Profile) -> None:
    binary = nginx_binary()
    proc = Proc("nginx", profile)
    _ensure_port(proc, profile.gateway_port)
    conf = nginx_conf(profile)
    _run([binary, "-t", "-q", "-c", str(conf), "-e", str(profile.var / "logs" / "nginx-error.log")],
         what="checking the nginx configuration")
    proc.start([binary, "-c", str(conf), "-e", str(profile.var / "logs" / "nginx-error.log")])
    wait_for(proc, lambda: http_ok(f"{profile.gateway}/healthz"), timeout=15, what="serving /healthz")


# ---------------------------------------------------------------- services

def replica_name(service: str, replica: int) -> str:
    """The process name (pid file, log) of a replica: ``submission``, then ``submission-2``..."""
    return service if replica == 1 else f"{service}-{replica}"


def parse_replica(name: str) -> tuple[str, int] | None:
    """``submission-2`` -> ("submission", 2); a plain service name is replica 1; None otherwise."""
    service, _, k = name.partition("-")
    if service not in SERVICES or (k and not k.isdigit()):
        return None
    return service, int(k or 1)


def start_service(profile: Profile, service: str, replica: int = 1) -> None:
    """Start one process of a service. Further replicas share its database and consumer group (Kafka
    spreads the partitions over them) and listen on their own port (``Profile.replica_port``)."""
    proc = Proc(replica_name(service, replica), profile)
    _ensure_port(proc, profile.replica_port(service, replica))
    proc.start([sys.executable, "-m", f"services.{service}"], env=profile.service_env(service, replica))


def wait_service(profile: Profile, service: str, replica: int = 1) -> None:
    port = profile.replica_port(service, replica)
    wait_for(Proc(replica_name(service, replica), profile), lambda: http_ok(f"http://127.0.0.1:{port}/{service}/health"),
             timeout=60, what=f"answering /{service}/health")
