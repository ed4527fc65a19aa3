"""Evidence files on a unit's report, in process: the attachment checks submission applies
(type from the bytes, extension agreeing), adoption's bounds, and who may download a file."""

from __future__ import annotations

import pytest

from services.adoption.domain import evidence
from shared.auth import Principal
from shared.errors import Conflict, Gone, Invalid, NotFound, TooLarge, Unsupported
from tests.unit.adoption.test_use_cases import ORGANISER, World, coordinator

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JUDGE = Principal("j1", "j@x.example", "Giám khảo", "", frozenset({"judge"}))


async def accepted(w: World, unit: str = "Sở Tư pháp") -> str:
    pid = await w.published([unit, "Sở Y tế"])
    me = coordinator(unit)
    (mine,) = await w.svc.assigned_to(me)
    await w.svc.answer(mine["_id"], True, "", me)
    assert pid
    return str(mine["_id"])


async def test_a_file_is_kept_listed_audited_and_downloadable_by_organisers_and_its_unit_only() -> None:
    w = World()
    aid = await accepted(w)
    me = coordinator("sở tư pháp", "c2")  # another coordinator of the same unit, spelt otherwise
    meta = await w.svc.add_evidence(aid, "../Quyết định áp dụng.PDF", PDF, coordinator("Sở Tư pháp"))
    assert (meta["filename"], meta["type"], meta["size"]) == ("Quyết định áp dụng.pdf", "pdf", len(PDF))
    a, _ = await w.svc.assignment(aid, me)
    assert [f["id"] for f in a["evidence"]] == [meta["id"]]
    assert [h["kind"] for h in await w.svc.history(aid, me)] == ["answer", "evidence"]
    for who in (ORGANISER, me):
        f = await w.svc.evidence_file(meta["id"], who)
        assert (bytes(f["data"]), f["content_type"]) == (PDF, "application/pdf")
    for stranger in (coordinator("Sở Y tế"), coordinator(""), JUDGE):
        with pytest.raises(NotFound):
            await w.svc.evidence_file(meta["id"], stranger)
    with pytest.raises(NotFound):
        await w.svc.evidence_file("nope", ORGANISER)
    with pytest.raises(NotFound):
        await w.svc.add_evidence(aid, "x.pdf", PDF, coordinator("Sở Y tế"))


@pytest.mark.parametrize(("name", "data", "kind", "problem"), [
    ("tai-lieu.pdf", b"MZ\x90\x00 an executable", Unsupported, "file.file_type_mismatch"),
    ("anh.png", PDF, Unsupported, "file.file_type_mismatch"),
    ("script.exe", b"MZ\x90\x00", Unsupported, "file.file_type"),
    ("rong.pdf", b"", Invalid, "file.file_empty"),
    ("lon.pdf", PDF + b"0" * evidence.MAX_BYTES, TooLarge, "file.file_size"),
])
async def test_what_submission_refuses_is_refused_with_the_same_kind(
        name: str, data: bytes, kind: type[Exception], problem: str) -> None:
    w = World()
    aid = await accepted(w)
    with pytest.raises(kind) as refused:
        await w.svc.add_evidence(aid, name, data, coordinator("Sở Tư pháp"))
    assert evidence.check(name, data, 0) is not None
    assert evidence.check(name, data, 0).code == problem  # type: ignore[union-attr]
    assert set(refused.value.errors) == {"file"}  # type: ignore[attr-defined]
    assert w.repos.evidence.docs == {}  # type: ignore[attr-defined]


async def test_the_count_is_bounded_and_a_declined_or_withdrawn_plan_takes_no_file() -> None:
    w = World()
    aid = await accepted(w)
    me = coordinator("Sở Tư pháp")
    for n in range(evidence.MAX_FILES):
        await w.svc.add_evidence(aid, f"anh-{n}.png", PNG, me)
    with pytest.raises(Invalid) as refused:
        await w.svc.add_evidence(aid, "them.png", PNG, me)
    assert "file" in refused.value.errors
    (other,) = await w.svc.assigned_to(coordinator("Sở Y tế"))
    with pytest.raises(Conflict):
        await w.svc.add_evidence(other["_id"], "a.pdf", PDF, coordinator("Sở Y tế"))  # not accepted
    a, plan = await w.svc.assignment(aid, me)
    await w.svc.withdraw(plan["_id"], "Trùng kế hoạch", ORGANISER)
    with pytest.raises(Gone):
        await w.svc.add_evidence(aid, "a.pdf", PDF, me)
    assert len(a["evidence"]) == evidence.MAX_FILES


async def test_a_file_whose_listing_lost_a_race_is_not_kept() -> None:
    w = World()
    aid = await accepted(w)
    me = coordinator("Sở Tư pháp")
    a, _ = await w.svc.assignment(aid, me)
    real_get = w.repos.assignments.get

    async def stale(assignment_id: str) -> dict[str, object] | None:
        doc = await real_get(assignment_id)
        if doc is not None:
            doc["rev"] = a["rev"] - 1  # what a reader saw before another report was written
        return doc

    w.repos.assignments.get = stale  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        await w.svc.add_evidence(aid, "a.pdf", PDF, me)
    assert w.repos.evidence.docs == {}  # type: ignore[attr-defined]
