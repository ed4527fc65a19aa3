"""One-time links: only a hash is stored, a link works once, an expired or unknown one is told
apart, and each purpose leads to its own page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.identity.links import LinkStore
from services.identity.memory_repositories import MemoryLinks
from services.identity.one_time import LinkState, LinkTimes, link_path, new_token, state_of, token_hash, well_formed

TIMES = LinkTimes(reset=timedelta(hours=1), set=timedelta(hours=72), verify=timedelta(hours=48))
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def store() -> tuple[LinkStore, MemoryLinks]:
    links = MemoryLinks()
    return LinkStore(links, TIMES, "https://portal.example/"), links


def test_a_token_is_random_url_safe_and_stored_only_as_its_hash() -> None:
    s, coll = store()
    issued = asyncio.run(s.issue("a1", "reset"))
    assert well_formed(issued.token) and issued.url == f"https://portal.example/identity/reset/{issued.token}"
    assert list(coll.docs) == [token_hash(issued.token)]
    assert issued.token not in repr(coll.docs)
    assert new_token() != new_token()


def test_a_link_works_once() -> None:
    s, _ = store()
    token = asyncio.run(s.issue("a1", "reset")).token
    first = asyncio.run(s.use(token, ("reset", "set")))
    assert first[0] is LinkState.VALID and first[1] is not None and first[1].account_id == "a1"
    assert asyncio.run(s.use(token, ("reset", "set")))[0] is LinkState.USED
    assert asyncio.run(s.peek(token, ("reset", "set")))[0] is LinkState.USED


def test_an_expired_link_is_refused_and_not_used_up() -> None:
    s, coll = store()
    token = asyncio.run(s.issue("a1", "signup")).token
    coll.docs[token_hash(token)]["expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
    assert asyncio.run(s.use(token, ("signup", "change")))[0] is LinkState.EXPIRED
    assert coll.docs[token_hash(token)]["used_at"] is None


def test_a_link_for_another_purpose_or_unknown_is_unknown() -> None:
    s, _ = store()
    token = asyncio.run(s.issue("a1", "signup")).token
    assert asyncio.run(s.use(token, ("reset", "set")))[0] is LinkState.UNKNOWN  # a verify link cannot set a password
    assert asyncio.run(s.use(new_token(), ("reset",)))[0] is LinkState.UNKNOWN


def test_each_purpose_lives_its_own_time_and_leads_to_its_page() -> None:
    assert TIMES.ttl("reset") == timedelta(hours=1)
    assert TIMES.ttl("signup") == TIMES.ttl("change") == timedelta(hours=48)
    assert link_path("set", "t") == "/identity/reset/t" and link_path("change", "t") == "/identity/verify/t"


@given(st.timedeltas(min_value=timedelta(hours=-100), max_value=timedelta(hours=100)), st.booleans())
def test_state_used_wins_then_expiry(offset: timedelta, used: bool) -> None:
    state = state_of(NOW if used else None, NOW + offset, NOW)
    assert state is (LinkState.USED if used else LinkState.VALID if offset > timedelta(0) else LinkState.EXPIRED)


@given(st.text(max_size=60))
def test_only_tokens_of_our_shape_are_looked_up(text: str) -> None:
    assert well_formed(text) == (len(text) == 43 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text))
