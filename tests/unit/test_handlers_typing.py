"""mypy checks the handler map: a handler registered for several event types must take the
envelope of each (``shared.handlers.on``), and so must a use case a route passes payloads to."""

from __future__ import annotations

from pathlib import Path

from mypy import api

SNIPPET = '''
from shared.envelope import Envelope, EventPayload
from shared.events.contests import ContestOpened, ContestUpdated
from shared.handlers import on, payload_to

async def only_opened(env: Envelope[ContestOpened]) -> None: ...
async def any_event(env: Envelope[EventPayload]) -> None: ...
async def either(env: Envelope[ContestOpened | ContestUpdated]) -> None: ...
async def use_case(e: ContestOpened) -> None: ...

on(ContestOpened, ContestUpdated)(only_opened)  # line 11: also receives ContestUpdated
on(ContestOpened, ContestUpdated)(any_event)
on(ContestOpened, ContestUpdated)(either)
on(ContestOpened)(only_opened)
on(ContestOpened, ContestUpdated)(payload_to(use_case))  # line 15
'''


def test_a_handler_narrower_than_its_registration_does_not_type_check(tmp_path: Path) -> None:
    source = tmp_path / "routes_snippet.py"
    source.write_text(SNIPPET)
    out, err, status = api.run(["--strict", "--no-error-summary", "--config-file", "pyproject.toml", str(source)])
    lines = sorted(int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line)
    assert lines == [11, 15], out + err
    assert status == 1
