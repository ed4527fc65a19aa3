"""Identity's use cases in process, over in-memory repositories: sign-up with its verification link
(once; expired; reused), a forgotten password for known and unknown addresses, setting a password
by link (sessions end), accounts an organiser makes (invited), a change of address (pending until
its link is opened), duplicates refused, deactivation, the unit directory's compare-and-set and
the signing key. No server: seconds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.identity.account_flows import AccountFlows, LinkRefused
from services.identity.accounts import Account, AccountStore
from services.identity.links import LinkStore
from services.identity.memory_repositories import memory_repositories
from services.identity.one_time import LinkState, LinkTimes
from services.identity.repositories import IdentityRepositories
from services.identity.service import IdentityService, SignInLocked
from services.identity.settings import IdentitySettings
from services.identity.tokens import load_or_create
from services.identity.units import UnitStore
from shared.auth import Principal
from shared.envelope import EventPayload, payload_class
from shared.errors import Conflict, Invalid, NotFound
from shared.events.accounts import (
    AccountRegistered,
    AccountUpdated,
    EmailChanged,
    EmailVerificationRequested,
    PasswordResetRequested,
    SessionsRevoked,
    UnitDirectoryChanged,
)
from shared.memory_outbox import MemoryOutbox

PASSWORD = "mat-khau-du-dai-2026"
CLIENT = "203.0.113.7"
ORGANISER = Principal(account_id="org", email="btc@sonoivu.example", full_name="Ban Tổ chức", unit="Sở Nội vụ",
                      roles=frozenset({"organiser"}))
TIMES = LinkTimes(reset=timedelta(hours=1), set=timedelta(hours=72), verify=timedelta(hours=48))


@dataclass
class World:
    """Identity's use cases over in-memory repositories (``make_repos``: other ones, e.g.
    ``tests/integration/test_identity_repositories.py`` runs these scenarios on the store too)."""

    outbox: MemoryOutbox = field(default_factory=MemoryOutbox)
    make_repos: Callable[[MemoryOutbox], IdentityRepositories] = memory_repositories

    def __post_init__(self) -> None:
        self.repos = self.make_repos(self.outbox)
        self.settings = IdentitySettings(public_base_url="https://portal.example")
        self.store = AccountStore(self.repos.accounts, "identity")
        self.units = UnitStore(self.repos.units, "identity")
        self.svc = IdentityService(self.store, self.settings, None, self.units)
        self.links = LinkStore(self.repos.links, TIMES, "https://portal.example")
        self.flows = AccountFlows(self.svc, self.links)

    def events(self) -> list[EventPayload]:
        """The events queued since the last look, as the relay would publish them."""
        return [payload_class(e.event_type).model_validate(e.payload) for e in self.outbox.take()]

    async def participant(self, email: str = "lan@tanhoa.example") -> Account:
        account, errors = await self.flows.sign_up(email=email, password=PASSWORD, full_name="Nguyễn Thị Lan",
                                                   unit="UBND xã Tân Hòa")
        assert account is not None, errors
        self.outbox.take()
        return account


def principal(a: Account) -> Principal:
    return Principal(account_id=a.account_id, email=a.email, full_name=a.full_name, unit=a.unit,
                     roles=frozenset(a.roles), email_verified=a.email_verified)


def kinds(events: list[EventPayload]) -> list[str]:
    return [e.event_type for e in events]


def only(events: list[EventPayload], kind: type[EventPayload]) -> Any:
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


def token_of(event: PasswordResetRequested | EmailVerificationRequested) -> str:
    return event.link.rsplit("/", 1)[1]


@pytest.fixture
def w() -> World:
    return World()


# ---------------------------------------------------------------- sign-up and its link


async def test_sign_up_registers_an_unverified_participant_and_its_link_verifies_once(w: World) -> None:
    account, errors = await w.flows.sign_up(email=" Lan@TanHoa.example ", password=PASSWORD,
                                            full_name="Nguyễn  Thị Lan", unit="UBND xã Tân Hòa")
    assert account is not None and errors == {}
    events = w.events()
    assert kinds(events) == ["AccountRegistered", "EmailVerificationRequested"]  # one insert, in this order
    registered, ask = only(events, AccountRegistered), only(events, EmailVerificationRequested)
    assert (registered.email, registered.roles, registered.email_verified) == ("lan@tanhoa.example",
                                                                               ["participant"], False)
    assert ask.purpose == "signup" and ask.email == "lan@tanhoa.example" and ask.full_name == "Nguyễn Thị Lan"
    assert ask.link.startswith("https://portal.example/identity/verify/")
    assert await w.svc.sign_in("lan@tanhoa.example", PASSWORD, CLIENT) is not None  # unverified may sign in

    token = token_of(ask)
    assert (await w.flows.check_address_link(token))[1] is None
    verified, ended = await w.flows.verify(token)
    assert verified.email_verified and not ended
    assert only(w.events(), AccountUpdated).email_verified is True

    again, ended = await w.flows.verify(token)  # a used link whose change holds is answered as done
    assert again.email_verified and not ended and w.events() == []
    with pytest.raises(LinkRefused) as used:
        await w.flows.check_link(token, ("signup", "change"))
    assert used.value.state is LinkState.USED


async def test_an_expired_or_unknown_verification_link_is_refused_and_changes_nothing(w: World) -> None:
    w.links.times = LinkTimes(reset=TIMES.reset, set=TIMES.set, verify=timedelta(seconds=-1))
    account = await w.participant()
    assert await w.flows.resend_verification(principal(account))
    token = token_of(only(w.events(), EmailVerificationRequested))
    with pytest.raises(LinkRefused) as expired:
        await w.flows.verify(token)
    assert expired.value.state is LinkState.EXPIRED
    with pytest.raises(LinkRefused) as unknown:
        await w.flows.verify("x" * 43)
    assert unknown.value.state is LinkState.UNKNOWN
    with pytest.raises(LinkRefused) as malformed:  # not even looked up
        await w.flows.verify("not-a-token")
    assert malformed.value.state is LinkState.UNKNOWN
    assert not (await w.svc.account(account.account_id)).email_verified and w.events() == []


async def test_a_verified_account_asks_for_no_new_link(w: World) -> None:
    account = await w.participant()
    await w.flows.resend_verification(principal(account))
    await w.flows.verify(token_of(only(w.events(), EmailVerificationRequested)))
    w.events()
    assert await w.flows.resend_verification(principal(account)) is False and w.events() == []


# ---------------------------------------------------------------- a forgotten password


async def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(w: World) -> None:
    account = await w.participant()
    await w.flows.request_reset(CLIENT)  # what the caller answers on: nothing told about the address
    await w.flows.send_reset("nobody@tanhoa.example")
    await w.flows.send_reset("not an address")
    assert w.events() == []  # no event for an unknown address

    await w.flows.request_reset(CLIENT)
    await w.flows.send_reset(" LAN@tanhoa.example")
    events = w.events()
    sent = only(events, PasswordResetRequested)
    assert kinds(events) == ["PasswordResetRequested"]  # no AccountUpdated: nothing others hold changed
    assert (sent.account_id, sent.email, sent.purpose) == (account.account_id, "lan@tanhoa.example", "reset")
    assert sent.link.startswith("https://portal.example/identity/reset/")
    assert (await w.flows.check_link(token_of(sent), ("reset", "set"))).account_id == account.account_id


async def test_setting_a_password_by_link_ends_sessions_verifies_and_retires_other_links(w: World) -> None:
    account = await w.participant()
    await w.flows.send_reset(account.email)
    older = token_of(only(w.events(), PasswordResetRequested))
    await w.flows.send_reset(account.email)
    newer = token_of(only(w.events(), PasswordResetRequested))

    with pytest.raises(Invalid) as weak:
        await w.flows.reset_password(newer, "ngan")
    assert set(weak.value.errors) == {"password"} and w.events() == []

    before = datetime.now(UTC).replace(microsecond=0)
    updated = await w.flows.reset_password(newer, "mot-mat-khau-moi-2026")
    assert updated.email_verified  # the link reached the address
    events = w.events()
    revoked = only(events, SessionsRevoked)
    assert revoked.account_id == account.account_id and revoked.jti is None
    assert revoked.not_before is not None and revoked.not_before >= before
    assert only(events, AccountUpdated).email_verified is True
    assert await w.svc.sign_in(account.email, PASSWORD, CLIENT) is None
    assert await w.svc.sign_in(account.email, "mot-mat-khau-moi-2026", CLIENT) is not None

    for token in (newer, older):  # used; retired: an older mail cannot undo the newer choice
        with pytest.raises(LinkRefused) as refused:
            await w.flows.reset_password(token, "mot-mat-khau-khac-2026")
        assert refused.value.state is LinkState.USED
    assert w.events() == []


async def test_a_link_is_used_by_one_caller_only(w: World) -> None:
    account = await w.participant()
    await w.flows.send_reset(account.email)
    token = token_of(only(w.events(), PasswordResetRequested))
    first = await w.links.use(token, ("reset", "set"))
    second = await w.links.use(token, ("reset", "set"))
    assert (first[0], second[0]) == (LinkState.VALID, LinkState.USED)
    assert (await w.links.use(token, ("signup", "change")))[0] is LinkState.UNKNOWN  # not for another purpose


async def test_changing_the_password_needs_the_current_one_and_ends_sessions(w: World) -> None:
    account = await w.participant()
    await w.flows.send_reset(account.email)
    open_link = token_of(only(w.events(), PasswordResetRequested))
    with pytest.raises(Invalid) as wrong:
        await w.flows.change_password(principal(account), "khong-phai-mat-khau", "mot-mat-khau-moi-2026", CLIENT)
    assert set(wrong.value.errors) == {"current_password"} and w.events() == []
    await w.flows.change_password(principal(account), PASSWORD, "mot-mat-khau-moi-2026", CLIENT)
    assert kinds(w.events()) == ["SessionsRevoked"]
    with pytest.raises(LinkRefused):
        await w.flows.reset_password(open_link, "mot-mat-khau-khac-2026")


# ---------------------------------------------------------------- accounts organisers make


async def test_an_organiser_creates_an_invited_coordinator_and_judge_in_the_directory_unit(w: World) -> None:
    await w.svc.save_units([{"code": "STP", "name": "Sở Tư pháp", "aliases": ["STP Bắc Ninh"]},
                            {"code": "XTH", "name": "UBND xã Tân Hòa", "kind": "xa"}], 0, "Ban Tổ chức")
    w.events()
    coordinator, errors = await w.flows.create_for(email="dieuphoi@tanhoa.example", password="tam-thoi-2026-abc",
                                                   full_name="Lê Điều Phối", unit="ubnd xã tân hòa",
                                                   roles=["coordinator"], categories=None, invite=True)
    assert coordinator is not None and errors == {}
    assert coordinator.unit == "UBND xã Tân Hòa"  # the directory's name, however it was typed
    events = w.events()
    registered, invite = only(events, AccountRegistered), only(events, PasswordResetRequested)
    assert (registered.roles, registered.invited, registered.email_verified) == (["coordinator"], True, True)
    assert invite.purpose == "set" and invite.email == "dieuphoi@tanhoa.example"
    await w.flows.reset_password(token_of(invite), "chon-mat-khau-rieng-2026")
    assert await w.svc.sign_in("dieuphoi@tanhoa.example", "chon-mat-khau-rieng-2026", CLIENT) is not None

    judge, _ = await w.flows.create_for(email="gk@stp.example", password="tam-thoi-2026-abc", full_name="Giám khảo",
                                        unit="STP Bắc Ninh", roles=["judge", "judge"], categories=["b", "a", "b"],
                                        invite=False)
    assert judge is not None and (judge.unit, judge.roles, judge.categories) == ("Sở Tư pháp", ("judge",), ("a", "b"))
    assert only(w.events(), AccountRegistered).invited is False  # no link: the plain welcome
    assert [a.email for a in await w.svc.accounts()] == ["dieuphoi@tanhoa.example", "gk@stp.example"]
    assert [a.email for a in await w.svc.accounts("judge")] == ["gk@stp.example"]


async def test_duplicate_addresses_are_refused_and_store_nothing(w: World) -> None:
    first = await w.participant()
    again, errors = await w.flows.sign_up(email="LAN@tanhoa.example", password=PASSWORD, full_name="Ai đó khác",
                                          unit="UBND xã Tân Hòa")
    assert again is None and set(errors) == {"email"}
    made, errors = await w.flows.create_for(email="lan@tanhoa.example", password=PASSWORD, full_name="Ai đó",
                                            unit="Sở Nội vụ", roles=["judge"], categories=[], invite=True)
    assert made is None and set(errors) == {"email"}
    weak, errors = await w.flows.sign_up(email="moi@tanhoa.example", password="moi", full_name="Người mới",
                                         unit="UBND xã Tân Hòa")
    assert weak is None and set(errors) == {"password"}
    assert w.events() == [] and [a.account_id for a in await w.svc.accounts()] == [first.account_id]


async def test_deactivation_ends_sessions_and_refuses_sign_in_and_reset(w: World) -> None:
    account = await w.participant()
    with pytest.raises(NotFound):
        await w.svc.change_account("nobody", {"active": False}, ORGANISER)
    me = await w.svc.register(email=ORGANISER.email, password=PASSWORD, full_name="Ban Tổ chức", unit="Sở Nội vụ",
                              roles=["organiser"], account_id=ORGANISER.account_id)
    assert me[0] is not None
    w.events()
    with pytest.raises(Conflict):  # organisers cannot lock themselves out
        await w.svc.change_account(ORGANISER.account_id, {"roles": ["judge"]}, ORGANISER)

    changed = await w.svc.change_account(account.account_id, {"active": False, "full_name": "Nguyễn  Thị   Lan",
                                                              "roles": ["judge", "participant", "judge"]}, ORGANISER)
    assert not changed.active and changed.full_name == "Nguyễn Thị Lan" and changed.roles == ("judge", "participant")
    events = w.events()
    assert kinds(events) == ["AccountUpdated", "SessionsRevoked"]
    assert only(events, AccountUpdated).active is False and only(events, SessionsRevoked).jti is None
    assert await w.svc.sign_in(account.email, PASSWORD, CLIENT) is None
    await w.flows.send_reset(account.email)
    assert w.events() == []


async def test_repeated_wrong_passwords_lock_that_pair(w: World) -> None:
    account = await w.participant()
    for _ in range(w.settings.signin_max_failures):
        assert await w.svc.sign_in(account.email, "sai-mat-khau-roi", CLIENT) is None
    with pytest.raises(SignInLocked):
        await w.svc.sign_in(account.email, PASSWORD, CLIENT)
    assert await w.svc.sign_in(account.email, PASSWORD, "198.51.100.1") is not None  # the owner elsewhere


# ---------------------------------------------------------------- a change of address


async def test_a_new_address_is_pending_until_its_link_is_opened(w: World) -> None:
    account = await w.participant()
    user = principal(account)
    with pytest.raises(Invalid) as same:
        await w.flows.request_email_change(user, PASSWORD, "LAN@tanhoa.example", CLIENT)
    assert set(same.value.errors) == {"new_email"}
    with pytest.raises(Invalid) as wrong:
        await w.flows.request_email_change(user, "khong-dung-roi", "moi@tanhoa.example", CLIENT)
    assert set(wrong.value.errors) == {"current_password"}

    assert await w.flows.request_email_change(user, PASSWORD, "Moi@TanHoa.example", CLIENT) == "moi@tanhoa.example"
    events = w.events()
    ask = only(events, EmailVerificationRequested)
    assert kinds(events) == ["EmailVerificationRequested"]  # others hear of the address once it holds
    assert (ask.purpose, ask.email) == ("change", "moi@tanhoa.example")
    assert (await w.svc.account(account.account_id)).email == "lan@tanhoa.example"
    assert await w.svc.pending_email(account.account_id) == "moi@tanhoa.example"

    token = token_of(ask)
    assert (await w.flows.check_address_link(token))[1] == "moi@tanhoa.example"
    changed, ended = await w.flows.verify(token)
    assert ended and changed.email == "moi@tanhoa.example" and changed.email_verified
    events = w.events()
    told = only(events, EmailChanged)
    assert (told.old_email, told.new_email) == ("lan@tanhoa.example", "moi@tanhoa.example")
    assert only(events, AccountUpdated).email == "moi@tanhoa.example" and only(events, SessionsRevoked).not_before
    assert await w.svc.pending_email(account.account_id) is None
    assert await w.svc.sign_in("moi@tanhoa.example", PASSWORD, CLIENT) is not None
    assert (await w.flows.verify(token)) == (changed, False) and w.events() == []  # opened again: done


async def test_an_address_taken_meanwhile_is_refused_at_either_end(w: World) -> None:
    account = await w.participant()
    other = await w.participant("binh@tanhoa.example")
    with pytest.raises(Conflict):
        await w.flows.request_email_change(principal(account), PASSWORD, other.email, CLIENT)
    await w.flows.request_email_change(principal(account), PASSWORD, "moi@tanhoa.example", CLIENT)
    token = token_of(only(w.events(), EmailVerificationRequested))
    await w.participant("moi@tanhoa.example")  # someone signs up with it before the link is opened
    with pytest.raises(Conflict):
        await w.flows.verify(token)
    assert (await w.svc.account(account.account_id)).email == "lan@tanhoa.example" and w.events() == []


# ---------------------------------------------------------------- the unit directory and the signing key


async def test_the_unit_directory_is_replaced_by_compare_and_set(w: World) -> None:
    assert (await w.svc.units_current())[0] == 0
    assert await w.svc.save_units([{"code": "STP", "name": "Sở Tư pháp"}], 0, "Ban Tổ chức") == 1
    assert [u.code for u in only(w.events(), UnitDirectoryChanged).units] == ["STP"]
    with pytest.raises(Conflict):  # someone saved revision 1 meanwhile
        await w.svc.save_units([{"code": "SNV", "name": "Sở Nội vụ"}], 0, "Ban Tổ chức")
    with pytest.raises(Invalid) as bad:
        await w.svc.save_units([{"code": "A", "name": "Một"}, {"code": "a", "name": "Hai"}], 1, "Ban Tổ chức")
    assert set(bad.value.errors) == {"units.1.code"}
    assert await w.svc.save_units([{"code": "SNV", "name": "Sở Nội vụ"}], 1, "Ban Tổ chức") == 2
    assert only(w.events(), UnitDirectoryChanged).revision == 2
    with pytest.raises(Conflict):
        await w.svc.save_units([], 1, "Ban Tổ chức")
    assert w.events() == []
    revision, directory = await UnitStore(w.repos.units, "identity").current()  # another process reads it
    assert revision == 2 and [u.code for u in directory.units] == ["SNV"]


async def test_the_first_signing_key_is_kept(w: World) -> None:
    first = await load_or_create(w.repos.keys)
    again = await load_or_create(w.repos.keys)
    assert first.kid == again.kid and first.jwk() == again.jwk()
    assert await w.repos.keys.add_active({"kid": "other", "pem": "-", "created_at": datetime.now(UTC)}) is False
