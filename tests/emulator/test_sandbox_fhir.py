"""FHIR search and read over loopback: paging, filters, error shapes, gzip, throttle headers.

Expected counts come from the population object (the data the server derives), never from a
previous response.
"""

from __future__ import annotations

import gzip
import socket
from datetime import datetime

import httpx
import pytest
from sandbox_helpers import DATA, bearer, exchange, get_code, pkce_pair

from bbmigrate.emulator import SandboxConfig, create_app, serve_in_thread
from bbmigrate.emulator.search import EOB_TYPE_SYSTEM

HEAVY = 42  # documented: BBUser00042 has >= 100 EOBs


@pytest.fixture(scope="module")
def heavy(shared_live: httpx.Client):
    """(token, the population's view of BBUser00042) on the module's shared server."""
    verifier, challenge = pkce_pair()
    code = get_code(shared_live, "v2", HEAVY, challenge=challenge)
    token = exchange(shared_live, "v2", code, verifier).json()
    user = shared_live.app.state.sandbox.population.user(HEAVY)
    return token, user


def _all_pages(client: httpx.Client, url: str, token, **params) -> list[dict]:
    # params=None, not {}: an empty dict would drop the query already in ``url``.
    pages = [client.get(url, params=params or None, headers=bearer(token)).json()]
    while True:
        nxt = [link["url"] for link in pages[-1]["link"] if link["relation"] == "next"]
        if not nxt:
            return pages
        assert len(pages) < 50, "paging does not end"
        pages.append(client.get(nxt[0], headers=bearer(token)).json())


def test_paging_covers_every_claim_once_in_both_versions(shared_live, heavy):
    token, user = heavy
    assert len(user.claims) >= 100
    ids = {}
    for version in ("v1", "v2"):
        pages = _all_pages(shared_live, f"/{version}/fhir/ExplanationOfBenefit", token, _count=50)
        assert {page["total"] for page in pages} == {len(user.claims)}
        got = [e["resource"]["id"] for page in pages for e in page["entry"]]
        assert got == [claim.id for claim in user.claims]
        ids[version] = got
        assert len(pages) == -(-len(user.claims) // 50)
        first, second, last = (
            {link["relation"]: link["url"] for link in page["link"]}
            for page in (pages[0], pages[1], pages[-1])
        )
        assert "previous" not in first and "previous" in second and "next" not in last
        assert f"startIndex={(len(pages) - 1) * 50}" in first["last"]
        assert "/ExplanationOfBenefit/?" in first["self"]
        assert first["first"].endswith(f"&_count=50&patient={user.patient_id}")
        assert first["first"].startswith(str(shared_live.base_url).rstrip("/"))
    assert ids["v1"] == ids["v2"]


def test_default_and_bad_paging_parameters(shared_live, heavy):
    token, user = heavy
    url = "/v2/fhir/ExplanationOfBenefit"
    page = shared_live.get(url, headers=bearer(token)).json()
    assert len(page["entry"]) == 10 and page["total"] == len(user.claims)
    cases = {
        "_count=51": "value must be at most 50",
        "_count=abc": "expected int",
        "startIndex=x": "expected int",
        f"startIndex={len(user.claims)}": (
            "An error occurred contacting the upstream server:Value for startIndex "
            f"({len(user.claims)}) must be less than than result size ({len(user.claims)})"
        ),
    }
    for query, detail in cases.items():
        response = shared_live.get(f"{url}?{query}", headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"detail": detail}), query
        assert response.headers["content-type"] == "application/fhir+json"
    # `count` is BB2's alias and unknown parameters are dropped silently.
    aliased = shared_live.get(f"{url}?count=3&excludeSAMHSA=true", headers=bearer(token))
    assert len(aliased.json()["entry"]) == 3


@pytest.mark.parametrize(
    "value",
    ["pde", "carrier,pde", f"{EOB_TYPE_SYSTEM}|inpatient", f"{EOB_TYPE_SYSTEM}|", "PDE"],
)
def test_type_filter(shared_live, heavy, value):
    token, user = heavy
    if value.endswith("|"):
        wanted = {claim.type for claim in user.claims}
    else:
        wanted = {item.rpartition("|")[2].lower() for item in value.split(",")}
    expected = [claim.id for claim in user.claims if claim.type in wanted]
    assert expected, "the heavy user should have claims of every type in the fixture"
    pages = _all_pages(shared_live, "/v1/fhir/ExplanationOfBenefit", token, type=value, _count=50)
    assert [e["resource"]["id"] for p in pages for e in p.get("entry", [])] == expected
    assert all("type=" in link["url"] for link in pages[0]["link"])


@pytest.mark.parametrize("value", ["drug", "carrier,nope", "http://other/system|pde"])
def test_bad_type_is_400(shared_live, heavy, value):
    token, _ = heavy
    response = shared_live.get(
        "/v2/fhir/ExplanationOfBenefit", params={"type": value}, headers=bearer(token)
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "the type parameter value is not valid"}


def test_last_updated_and_service_date_ranges(shared_live, heavy):
    token, user = heavy
    stamps = sorted(datetime.fromisoformat(c.last_updated) for c in user.claims)
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    params = [("_lastUpdated", f"ge{low.isoformat()}"), ("_lastUpdated", f"lt{high.isoformat()}")]
    query = httpx.QueryParams([*params, ("_count", "50")])
    got = [
        e["resource"]["id"]
        for p in _all_pages(shared_live, f"/v2/fhir/ExplanationOfBenefit?{query}", token)
        for e in p.get("entry", [])
    ]
    expected = [c.id for c in user.claims if low <= datetime.fromisoformat(c.last_updated) < high]
    assert got == expected and 0 < len(expected) < len(user.claims)

    days = sorted(c.service_date for c in user.claims)
    cut = days[len(days) // 2]
    response = shared_live.get(
        "/v1/fhir/ExplanationOfBenefit",
        params={"service-date": f"le{cut}", "_count": 50},
        headers=bearer(token),
    )
    assert response.json()["total"] == sum(1 for d in days if d <= cut)

    bad = shared_live.get(
        "/v2/fhir/ExplanationOfBenefit",
        params={"_lastUpdated": "2020-01-01"},
        headers=bearer(token),
    )
    assert bad.json() == {"detail": "the _lastUpdated operator is not valid"}


def test_reads_coverage_patient_and_ownership(shared_live, heavy):
    token, user = heavy
    claim = user.claims[5]
    for version in ("v1", "v2"):
        eob = shared_live.get(
            f"/{version}/fhir/ExplanationOfBenefit/{claim.id}", headers=bearer(token)
        )
        assert eob.json() == claim.forms[version]
        coverage = shared_live.get(f"/{version}/fhir/Coverage", headers=bearer(token)).json()
        ids = [e["resource"]["id"] for e in coverage["entry"]]
        assert ids == [c["id"] for c in user.coverages[version]]
        one = shared_live.get(f"/{version}/fhir/Coverage/{ids[0]}", headers=bearer(token))
        assert one.json()["id"] == ids[0]
        found = shared_live.get(
            f"/{version}/fhir/Patient", params={"_id": user.patient_id}, headers=bearer(token)
        ).json()
        assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == user.patient_id

    other = shared_live.app.state.sandbox.population.user(HEAVY + 1)
    not_found = {"detail": "Not found."}
    for path in (
        f"/v2/fhir/Patient/{other.patient_id}",
        f"/v2/fhir/ExplanationOfBenefit/{other.claims[0].id}",
        f"/v2/fhir/Coverage/{other.coverages['v2'][0]['id']}",
        f"/v2/fhir/Patient?_id={other.patient_id}",
        "/v2/fhir/ExplanationOfBenefit/carrier--1",
    ):
        response = shared_live.get(path, headers=bearer(token))
        assert (response.status_code, response.json()) == (404, not_found), path
    forbidden = shared_live.get(
        "/v2/fhir/ExplanationOfBenefit", params={"patient": other.patient_id}, headers=bearer(token)
    )
    assert forbidden.status_code == 403
    mine = shared_live.get(
        "/v2/fhir/Coverage",
        params={"beneficiary": f"Patient/{user.patient_id}"},
        headers=bearer(token),
    )
    assert mine.status_code == 200


def test_unknown_paths_and_methods_have_drf_bodies(shared_live):
    assert shared_live.get("/v2/fhir/Claim").json() == {"detail": "Not found."}
    wrong = shared_live.post("/v2/fhir/metadata")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": 'Method "POST" not allowed.'})
    assert shared_live.get("/v2/o/token/").status_code == 405


def test_metadata_is_public_per_version(shared_live):
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement as R4Capability
    from fhir.resources.STU3.capabilitystatement import CapabilityStatement as STU3Capability

    v1 = shared_live.get("/v1/fhir/metadata").json()
    v2 = shared_live.get("/v2/fhir/metadata").json()
    STU3Capability.model_validate(v1)
    R4Capability.model_validate(v2)
    assert (v1["fhirVersion"], v2["fhirVersion"]) == ("3.0.2", "4.0.1")
    assert v2["implementation"]["url"].endswith("/v2/fhir")
    assert shared_live.get("/v3/fhir/metadata").status_code == 404


def test_gzip_only_when_asked_and_large_enough(shared_live, heavy):
    token, user = heavy
    url = "/v2/fhir/ExplanationOfBenefit"
    # A raw socket request shows the bytes on the wire (httpx would decode them).
    host, port = shared_live.base_url.host, shared_live.base_url.port
    request = (
        f"GET /v2/fhir/ExplanationOfBenefit HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token['access_token']}\r\nAccept-Encoding: gzip\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in head.lower()
    assert b'"resourceType":"Bundle"' in gzip.decompress(body)
    plain = shared_live.get(url, headers={**bearer(token), "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    small = shared_live.get(
        "/v2/connect/userinfo", headers={**bearer(token), "Accept-Encoding": "gzip"}
    )
    assert len(small.content) < 1024 and "content-encoding" not in small.headers
    assert small.json()["patient"] == user.patient_id


def test_links_follow_the_host_the_client_used(shared_live, heavy):
    token, _ = heavy
    port = shared_live.base_url.port
    with httpx.Client(base_url=f"http://localhost:{port}") as other:
        try:
            page = other.get("/v2/fhir/ExplanationOfBenefit", headers=bearer(token)).json()
        except httpx.ConnectError:
            pytest.skip("localhost does not resolve to the loopback address here")
    assert all(link["url"].startswith(f"http://localhost:{port}/") for link in page["link"])


def test_throttle_429_with_retry_after_per_token(login):
    app = create_app(SandboxConfig(data_dir=DATA, rate_limit=(3, 60)))
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        first, second = login(client, 1), login(client, 2)
        seen = [client.get("/v2/fhir/Coverage", headers=bearer(first)) for _ in range(4)]
        assert [r.status_code for r in seen] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in seen[:3]] == ["2", "1", "0"]
        assert seen[0].headers["x-ratelimit-limit"] == "3"
        assert int(seen[3].headers["retry-after"]) >= 59
        assert seen[3].json()["detail"].startswith("Request was throttled. Expected available in")
        assert client.get("/v2/fhir/Coverage", headers=bearer(second)).status_code == 200
        app.state.sandbox.config.clock.advance(61)
        assert client.get("/v2/fhir/Coverage", headers=bearer(first)).status_code == 200
