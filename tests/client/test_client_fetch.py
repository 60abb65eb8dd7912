"""fetch_beneficiary over loopback HTTP against the emulator: paging, filters, withheld
demographics, token refresh, faults, failures. Unit tests of the pieces are in test_*_flow.py,
test_retry_paging.py and test_tokens.py."""

from __future__ import annotations

import asyncio
import json
import math
import stat
from pathlib import Path

import httpx
import pytest
from client_helpers import (
    BIG_USER,
    CREDENTIALS,
    DATA,
    USER,
    Waits,
    fast_retry,
    login_as,
    running,
)

from bbmigrate.client import TokenStore, fetch_beneficiary, login_with_password, refresh
from bbmigrate.client.oauth import OAuthApp
from bbmigrate.emulator import SandboxConfig, create_app, password, username
from bbmigrate.errors import ApiError, AuthError

FILES = {"Patient.json", "Coverage.json", "ExplanationOfBenefit.json", "userinfo.json"}


def read(path: Path):
    return json.loads(path.read_text())


def server_total(base_url: str, token, path: str, **params) -> int:
    """The emulator's own ``total`` for a search, asked with one small page."""
    response = httpx.get(
        f"{base_url}/v2/fhir/{path}",
        params={"_count": 1, **params},
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["total"]


def login(base_url: str, number: int, version: str = "v2", share: bool = True):
    return login_with_password(
        base_url,
        username(number),
        password(number),
        client_id=CREDENTIALS.client_id,
        client_secret=CREDENTIALS.client_secret,
        version=version,
        share_demographics=share,
    )


def comparable(doc: dict) -> dict:
    """A merged Bundle without the parts that name the server (port) it came from."""
    return {k: v for k, v in doc.items() if k not in ("id", "link")}


def test_multi_page_fetch_gets_every_eob_of_a_big_user(sandbox, tmp_path):
    token = login(sandbox.url, BIG_USER)
    out = tmp_path / "bene"
    manifest = fetch_beneficiary(sandbox.url, out, token, credentials=CREDENTIALS, count=10)
    expected = server_total(sandbox.url, token, "ExplanationOfBenefit/")
    assert expected >= 100
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "v1", "v2"]
    ids = {}
    for version in ("v1", "v2"):
        assert {p.name for p in (out / version).iterdir()} == FILES
        bundle = read(out / version / "ExplanationOfBenefit.json")
        assert bundle["type"] == "searchset"
        assert bundle["total"] == len(bundle["entry"]) == expected
        ids[version] = [e["resource"]["id"] for e in bundle["entry"]]
        assert len(set(ids[version])) == expected  # no page fetched twice
        coverage = read(out / version / "Coverage.json")
        assert coverage["total"] == len(coverage["entry"]) == 4
        assert read(out / version / "Patient.json")["id"] == token.patient
        result = manifest.versions[version]
        assert result.counts["ExplanationOfBenefit"] == expected
        assert sum(result.eob_types.values()) == expected
    assert ids["v1"] == ids["v2"]  # the emulator gives both versions the same claims
    doc = read(out / "manifest.json")
    eob_pages = [r for r in doc["requests"] if "/fhir/ExplanationOfBenefit" in r["url"]]
    assert len(eob_pages) == 2 * math.ceil(expected / 10)
    assert all(r["status"] == 200 and r["bytes"] > 0 for r in eob_pages)
    # Asked with Accept-Encoding: gzip, the pages came compressed (bytes counts the wire).
    compact = sum(
        len(json.dumps(read(out / v / "ExplanationOfBenefit.json")["entry"])) for v in ids
    )
    assert sum(r["bytes"] for r in eob_pages) < compact / 3
    assert doc["versions"]["v2"]["patient_id"] == token.patient
    assert doc["demographics_withheld"] is False


def test_type_and_since_filters_match_the_server(sandbox, tmp_path):
    token = login(sandbox.url, BIG_USER)
    everything = fetch_beneficiary(sandbox.url, tmp_path / "all", token, versions=["v2"], count=50)
    bundle = read(tmp_path / "all" / "v2" / "ExplanationOfBenefit.json")
    stamps = sorted(e["resource"]["meta"]["lastUpdated"][:10] for e in bundle["entry"])
    since = stamps[len(stamps) // 2]

    fetch_beneficiary(
        sandbox.url, tmp_path / "f", token, versions=["v2"], types=["pde", "carrier"], since=since
    )
    got = read(tmp_path / "f" / "v2" / "ExplanationOfBenefit.json")
    kinds = {e["resource"]["id"].split("-")[0] for e in got["entry"]}
    assert kinds <= {"pde", "carrier"}
    assert all(e["resource"]["meta"]["lastUpdated"][:10] >= since for e in got["entry"])
    expected = server_total(
        sandbox.url, token, "ExplanationOfBenefit/", type="pde,carrier", _lastUpdated=f"ge{since}"
    )
    assert got["total"] == len(got["entry"]) == expected
    types_only = (
        everything.versions["v2"].eob_types["pde"] + everything.versions["v2"].eob_types["carrier"]
    )
    assert 0 < expected < types_only


def test_withheld_demographics_skip_patient_but_keep_claims(sandbox, tmp_path):
    out = tmp_path / "bene"
    manifest = fetch_beneficiary(
        sandbox.url, out, credentials=CREDENTIALS, login=login_as(USER, share=False)
    )
    for version in ("v1", "v2"):
        assert {p.name for p in (out / version).iterdir()} == {
            "Coverage.json",
            "ExplanationOfBenefit.json",
        }
        assert read(out / version / "ExplanationOfBenefit.json")["total"] > 10
        assert manifest.versions[version].demographics_withheld is True
    doc = read(out / "manifest.json")
    assert doc["demographics_withheld"] is True
    assert {r["status"] for r in doc["requests"] if "userinfo" in r["url"]} == {403}


def test_expired_token_is_refreshed_and_the_rotated_one_saved(tmp_path):
    with running(token_lifetime=600) as server:
        store = TokenStore(tmp_path / "tokens.json")
        token = login(server.url, USER)
        store.save(token)
        server.state.config.clock.advance(601)  # the server now sees the token as expired
        manifest = fetch_beneficiary(
            server.url, tmp_path / "out", credentials=CREDENTIALS, token_store=store
        )
        saved = store.load("v2")
        assert saved.refresh_token != token.refresh_token
        assert manifest.versions["v1"].token_refreshes == 1  # v1 and v2 share one grant
        statuses = [r["status"] for r in manifest.to_dict()["requests"]]
        assert statuses.count(401) >= 1 and statuses[-1] == 200
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        # The saved one works; the spent one is dead, and replaying it revokes its descendants.
        app = OAuthApp(server.url, "v2", CREDENTIALS.client_id, CREDENTIALS.client_secret)
        with httpx.Client() as http:
            newest = refresh(http, app, saved)
            assert newest.access_token
            with pytest.raises(AuthError, match="HTTP 400 invalid_grant"):
                refresh(http, app, token)
            with pytest.raises(AuthError, match="HTTP 400 invalid_grant"):
                refresh(http, app, newest)


def test_token_expiring_soon_is_refreshed_before_use(sandbox, tmp_path):
    token = login(sandbox.url, USER)
    stale = token.expired_copy()  # client-side expiry: refresh first, no 401 round-trip
    manifest = fetch_beneficiary(
        sandbox.url, tmp_path / "out", stale, credentials=CREDENTIALS, versions=["v2"]
    )
    statuses = [r["status"] for r in manifest.to_dict()["requests"]]
    assert 401 not in statuses
    assert manifest.versions["v2"].token_refreshes == 1


def test_fetch_with_injected_faults_equals_a_clean_fetch(sandbox, tmp_path):
    token = login(sandbox.url, BIG_USER)
    fetch_beneficiary(sandbox.url, tmp_path / "clean", token, count=20)
    waits = Waits()
    with running(fault_rate=0.4, fault_statuses=(429, 502, 503), seed=3) as faulty:
        manifest = fetch_beneficiary(
            faulty.url,
            tmp_path / "faulty",
            credentials=CREDENTIALS,
            login=login_as(BIG_USER),
            count=20,
            retry=fast_retry(waits, attempts=10),
        )
        injected = faulty.state.faults.injected
    assert set(injected) == {429, 502, 503}  # every retryable kind was met (seed 3)
    statuses = [r["status"] for r in manifest.to_dict()["requests"]]
    assert sum(1 for s in statuses if s in (429, 502, 503)) == sum(injected.values())
    # 429 and 503 carry Retry-After: 1, and the client waited at least that long.
    assert sum(1 for w in waits.seconds if w >= 1.0) == injected[429] + injected[503]
    for version in ("v1", "v2"):
        for name in FILES:
            clean = read(tmp_path / "clean" / version / name)
            again = read(tmp_path / "faulty" / version / name)
            if clean.get("resourceType") == "Bundle":
                clean, again = comparable(clean), comparable(again)
            assert again == clean, f"{version}/{name}"


class AnswerInstead:
    """ASGI middleware: requests whose path and query contain the given parts get ``status`` and
    ``body`` every time, instead of the emulator's answer (a dead upstream, a broken proxy)."""

    def __init__(self, app, path: str, query: str, status: int, body: bytes) -> None:
        self.app = app
        self.path, self.query, self.status, self.body = path, query, status, body

    async def __call__(self, scope, receive, send):
        query = scope.get("query_string", b"").decode()
        if scope["type"] == "http" and self.path in scope["path"] and self.query in query:
            await send({"type": "http.response.start", "status": self.status, "headers": []})
            await send({"type": "http.response.body", "body": self.body})
            return
        await self.app(scope, receive, send)


def test_persistent_5xx_mid_paging_fails_in_one_line_and_writes_nothing(tmp_path):
    app = create_app(SandboxConfig(data_dir=DATA))
    body = b'{"detail":"An error occurred contacting the upstream server"}'
    app.add_middleware(
        AnswerInstead, path="ExplanationOfBenefit", query="startIndex=20", status=502, body=body
    )
    out = tmp_path / "bene"
    out.mkdir()
    (out / "keep.txt").write_text("earlier run")
    with running(app) as server, pytest.raises(ApiError) as info:
        fetch_beneficiary(
            server.url,
            out,
            credentials=CREDENTIALS,
            login=login_as(BIG_USER),
            count=10,
            retry=fast_retry(attempts=3),
        )
    message = str(info.value)
    assert "\n" not in message
    assert "HTTP 502: An error occurred contacting the upstream server" in message
    assert "startIndex=20" in message and "gave up after 3 tries" in message
    assert info.value.exit_code == 3
    assert [p.name for p in tmp_path.iterdir()] == ["bene"]  # no staging folder left
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


class SlowFirstTime:
    """ASGI middleware: the first time each EOB page is asked for, answer only after ``delay``."""

    def __init__(self, app, delay: float) -> None:
        self.app = app
        self.delay = delay
        self.seen: set[bytes] = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and "ExplanationOfBenefit" in scope["path"]:
            key = scope.get("query_string", b"")
            if key not in self.seen:
                self.seen.add(key)
                await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def test_read_timeouts_are_retried(sandbox, tmp_path):
    token = login(sandbox.url, USER)
    fetch_beneficiary(sandbox.url, tmp_path / "clean", token, versions=["v2"])
    app = create_app(SandboxConfig(data_dir=DATA))
    app.add_middleware(SlowFirstTime, delay=0.6)
    with running(app) as slow:
        manifest = fetch_beneficiary(
            slow.url,
            tmp_path / "slow",
            credentials=CREDENTIALS,
            login=login_as(USER),
            versions=["v2"],
            timeout=0.25,
            retry=fast_retry(attempts=10),
        )
    clean = read(tmp_path / "clean" / "v2" / "ExplanationOfBenefit.json")
    slow_doc = read(tmp_path / "slow" / "v2" / "ExplanationOfBenefit.json")
    assert comparable(slow_doc) == comparable(clean) and clean["total"] > 10
    eob = [r for r in manifest.requests if "ExplanationOfBenefit" in r.url]
    timed_out = {r.url for r in eob if r.error == "ReadTimeout" and r.status == 0}
    served = {r.url for r in eob if r.status == 200}
    assert timed_out == served and len(served) >= 2  # every page timed out, then came back


def test_expired_token_without_client_credentials_fails_with_a_hint(tmp_path):
    with running(token_lifetime=600) as server:
        token = login(server.url, USER)
        server.state.config.clock.advance(601)
        with pytest.raises(ApiError) as info:
            fetch_beneficiary(server.url, tmp_path / "out", token, versions=["v2"])
    assert info.value.status == 401
    assert "HTTP 401" in str(info.value) and "without the client id and secret" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_a_200_that_is_not_json_is_a_server_error_not_bad_input(tmp_path):
    app = create_app(SandboxConfig(data_dir=DATA))
    app.add_middleware(AnswerInstead, path="Coverage", query="", status=200, body=b"<html>")
    with running(app) as server, pytest.raises(ApiError) as info:
        fetch_beneficiary(
            server.url, tmp_path / "out", credentials=CREDENTIALS, login=login_as(USER)
        )
    assert info.value.exit_code == 3
    assert "/fhir/Coverage/" in str(info.value) and "invalid JSON at line 1, column 1" in str(
        info.value
    )
    assert not (tmp_path / "out").exists()


def test_redact_keeps_the_patient_id_out_of_summary_and_manifest(sandbox, tmp_path):
    from click.testing import CliRunner

    from bbmigrate.cli import main
    from bbmigrate.emulator import patient_id

    out = tmp_path / "bene"
    result = CliRunner().invoke(
        main,
        [
            "fetch", "--base-url", sandbox.url, "--out", str(out), "--versions", "v2",
            "--user", username(USER), "--password", password(USER), "--redact", "--json",
            "--client-id", CREDENTIALS.client_id, "--client-secret", CREDENTIALS.client_secret,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pid = patient_id(USER)
    manifest = (out / "manifest.json").read_text()
    assert pid not in result.output and pid not in manifest
    assert "/Patient/[redacted]" in manifest
    assert read(out / "v2" / "Patient.json")["id"] == pid  # the data itself is untouched


def test_one_version_failing_fails_the_fetch_with_its_own_error(tmp_path):
    app = create_app(SandboxConfig(data_dir=DATA))
    app.add_middleware(
        AnswerInstead, path="/v1/fhir/Coverage", query="", status=404, body=b'{"detail":"gone"}'
    )
    with running(app) as server, pytest.raises(ApiError) as info:
        fetch_beneficiary(
            server.url, tmp_path / "out", credentials=CREDENTIALS, login=login_as(BIG_USER)
        )
    assert info.value.status == 404 and "/v1/fhir/Coverage" in str(info.value)
    assert str(info.value).endswith("HTTP 404: gone")  # not the other version's "stopped"
    assert not (tmp_path / "out").exists()


def test_manifest_request_times_show_no_delayed_ack_stall(sandbox, tmp_path):
    token = login(sandbox.url, BIG_USER)
    manifest = fetch_beneficiary(sandbox.url, tmp_path / "bene", token, count=10)
    fhir = [r.elapsed_ms for r in manifest.requests if "/fhir/" in r.url and r.status == 200]
    assert len(fhir) >= 30
    # Each of these took >= 40 ms while the emulator's sockets lacked TCP_NODELAY.
    assert sorted(fhir)[len(fhir) // 2] < 10, fhir


@pytest.mark.parametrize(("rate", "needed"), [(0.3, 10), (0.5, 9)])
def test_default_retry_budget_survives_the_default_fault_mix(sandbox, tmp_path, rate, needed):
    """Issue #10's bar: with 429/500/502/503 injected, the default budget gives clean content."""
    token = login(sandbox.url, BIG_USER)
    fetch_beneficiary(sandbox.url, tmp_path / "clean", token)
    ok = 0
    with running(fault_rate=rate, seed=11) as faulty:
        token = login(faulty.url, BIG_USER)
        for run in range(10):
            out = tmp_path / f"run{run}"
            try:
                fetch_beneficiary(faulty.url, out, token, retry=fast_retry())
            except ApiError:
                continue
            same = all(
                comparable(read(out / v / "ExplanationOfBenefit.json"))
                == comparable(read(tmp_path / "clean" / v / "ExplanationOfBenefit.json"))
                and read(out / v / "Patient.json") == read(tmp_path / "clean" / v / "Patient.json")
                for v in ("v1", "v2")
            )
            ok += same
        assert set(faulty.state.faults.injected) == {429, 500, 502, 503}
    assert ok >= needed


def test_exhausted_retries_name_the_url_the_last_status_and_the_tries(tmp_path):
    app = create_app(SandboxConfig(data_dir=DATA))
    app.add_middleware(
        AnswerInstead, path="Coverage", query="", status=500, body=b'{"error":"Server Error (500)"}'
    )
    waits = Waits()
    with running(app) as server, pytest.raises(ApiError) as info:
        fetch_beneficiary(
            server.url,
            tmp_path / "bene",
            credentials=CREDENTIALS,
            login=login_as(USER),
            versions=["v2"],
            retry=fast_retry(waits, attempts=4),
        )
    message = str(info.value)
    assert "/v2/fhir/Coverage/" in message
    assert "HTTP 500: Server Error (500) (gave up after 4 tries)" in message
    assert len(waits.seconds) == 3 and info.value.status == 500
    assert not (tmp_path / "bene").exists()
