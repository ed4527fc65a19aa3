"""Mailpit: a real SMTP server with a web UI and a REST API, where every e-mail the platform sends
locally lands (nothing leaves the machine). Built once from the Go module proxy into the cache,
like FerretDB: its web UI is bundled from the module's own sources with npm first.

Ports per profile (below 32768): dev SMTP 1025 and UI/API 8025; test 11025/18025; ci 21025/28025.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import structlog

from deploy.local.infra import CACHE, MAIL_PORTS, InfraError, Proc, Profile, _ensure_port, _run, http_ok, wait_for

MAILPIT_VERSION = "v1.33.1"
#: npm packages of Mailpit's web UI whose locked versions the registry does not serve here,
#: pinned to the nearest served ones (rapidoc only draws the API docs page; sass-embedded builds
#: the styles and is served for this platform at this version).
NPM_PINS = ("rapidoc@9.3.8", "sass-embedded@1.105.0")
MAX_MESSAGES = 5000

log = structlog.get_logger("runner")


def smtp_port(profile: Profile) -> int:
    return MAIL_PORTS[profile.name][0]


def ui_port(profile: Profile) -> int:
    return MAIL_PORTS[profile.name][1]


def ui_url(profile: Profile) -> str:
    return f"http://127.0.0.1:{ui_port(profile)}"


def mailpit_binary() -> Path:
    return CACHE / f"mailpit-{MAILPIT_VERSION}" / "mailpit"


def install_mailpit() -> Path:
    """Download the module, bundle its web UI with npm, build the binary; once."""
    binary = mailpit_binary()
    if binary.exists():
        return binary
    for tool in ("go", "npm"):
        if shutil.which(tool) is None:
            raise InfraError(f"building Mailpit needs {tool} on PATH")
    log.info("install.mailpit", version=MAILPIT_VERSION)
    proc = subprocess.run(["go", "mod", "download", "-json", f"github.com/axllent/mailpit@{MAILPIT_VERSION}"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise InfraError(f"downloading Mailpit {MAILPIT_VERSION} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    module = Path(json.loads(proc.stdout)["Dir"])
    with tempfile.TemporaryDirectory(prefix="mailpit-build-") as tmp:
        src = Path(tmp) / "mailpit"
        shutil.copytree(module, src)
        for p in src.rglob("*"):
            p.chmod(p.stat().st_mode | 0o200)  # the module cache is read-only
        _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "-E", *NPM_PINS], cwd=src,
             what="installing Mailpit's web UI packages")
        _run(["npm", "run", "build"], cwd=src, what="bundling Mailpit's web UI")
        binary.parent.mkdir(parents=True, exist_ok=True)
        _run(["go", "build", "-trimpath", "-ldflags",
              f"-s -w -X github.com/axllent/mailpit/config.Version={MAILPIT_VERSION}", "-o", str(binary), "."],
             cwd=src, env={"CGO_ENABLED": "0"}, what="building Mailpit")
    return binary


def start_mailpit(profile: Profile) -> None:
    binary = install_mailpit()
    proc = Proc("mailpit", profile)
    _ensure_port(proc, smtp_port(profile))
    _ensure_port(proc, ui_port(profile))
    data = profile.var / "mailpit"
    data.mkdir(parents=True, exist_ok=True)
    proc.start([str(binary), f"--smtp=127.0.0.1:{smtp_port(profile)}", f"--listen=127.0.0.1:{ui_port(profile)}",
                f"--database={data / 'mailpit.db'}", f"--max={MAX_MESSAGES}", "--disable-version-check",
                "--quiet"])
    wait_for(proc, lambda: http_ok(f"{ui_url(profile)}/api/v1/info"), timeout=30, what="answering its API")
