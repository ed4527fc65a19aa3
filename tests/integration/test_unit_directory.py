"""The unit directory through the real stack: organisers keep it in identity; a unit typed in
any spelling (case, spaces, a code or another name) becomes the directory's unit in accounts
and entries, and public statistics count it once."""

from __future__ import annotations

import httpx

from tests.conftest import Api, eventually, initiative, new_contest, new_participant, unique

DIRECTORY_NAME = "Sở Khoa học và Công nghệ"


def _save(organiser: Api, units: list[dict[str, object]]) -> httpx.Response:
    current = organiser.get("/identity/api/units").json()
    keep = [u for u in current["units"] if u["code"] not in {x["code"] for x in units}]
    return organiser.put("/identity/api/units", json={"revision": current["revision"], "units": keep + units})


def test_spellings_of_a_directory_unit_become_that_unit_everywhere(gateway: str, organiser: Api) -> None:
    code = unique("SKHCN")[:12].upper()
    alias = f"khcn {code.lower()}"
    r = _save(organiser, [{"code": code, "name": f"{DIRECTORY_NAME} {code}", "kind": "Sở, ban, ngành",
                           "headcount": 85, "aliases": [alias]}])
    assert r.status_code == 200, r.text
    unit = f"{DIRECTORY_NAME} {code}"
    # Refusals: a stale revision, a spelling that would point at two units, a stranger.
    stale = organiser.put("/identity/api/units", json={"revision": 0, "units": []})
    assert stale.status_code == 409
    clash = _save(organiser, [{"code": code + "X", "name": "Sở khác", "aliases": [unit.upper()]}])
    assert clash.status_code == 422 and "units" in clash.json()["errors"]
    participant, _ = new_participant(gateway, unit=f"  {unit.upper()}  ")
    assert participant.put("/identity/api/units", json={"revision": 0, "units": []}).status_code == 403
    assert participant.get("/identity/api/me").json()["unit"] == unit, "the account takes the directory's name"
    assert unit in Api(gateway).get("/identity/signup", headers={"Accept": "text/html"}).text, "offered in the form"

    # An entry typed with the alias is stored under the unit's name, once submission has the directory.
    contest = new_contest(organiser)
    cid = contest["contest_id"]

    def stored_as_directory_name() -> bool:
        r = participant.post(f"/submission/api/contests/{cid}/entries", json=initiative(unit=alias.upper()))
        assert r.status_code == 201, r.text
        return bool(r.json()["fields"]["author_unit"] == unit)
    eventually(stored_as_directory_name, what="submission to learn the directory")
    assert unit in participant.get(f"/submission/contests/{cid}/new", headers={"Accept": "text/html"}).text
