"""Bad options fail with one line and the right exit code, before any request is made."""

import pytest
from click.testing import CliRunner

from bbmigrate.cli import main

# Port 9 (discard) on loopback: nothing may be sent there; these errors come first.
BASE = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--type", "carrier,bogus"], 2, "--type: unknown claim type 'bogus'"),
        (["--versions", "v1,v3"], 2, "--versions: unknown API version 'v3'"),
        (["--since", "2020-13-01"], 2, "--since: not an ISO date"),
        (["--count", "51"], 2, "--count: page size must be 1..50"),
        (["--user", "BBUser00000"], 2, "fetch: --user needs --password"),
        ([], 3, "v1: no token: run `bbmigrate auth login`"),
    ],
)
def test_fetch_rejects_bad_input_with_one_line(tmp_path, args, code, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "fetch",
            "--base-url",
            BASE,
            "--out",
            str(out),
            "--token-file",
            str(tmp_path / "t.json"),
            *args,
        ],
    )
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: ")
    assert message in lines[0]
    assert not out.exists()


# Not loopback, so no emulator test client is assumed; .invalid never resolves (RFC 6761).
REMOTE = "https://sandbox.example.invalid"
NAMES_BOTH = ("--client-id/--client-secret or set BBMIGRATE_CLIENT_ID/BBMIGRATE_CLIENT_SECRET",)


@pytest.mark.parametrize(
    "args",
    [
        ["auth", "login", "--base-url", REMOTE],
        ["fetch", "--base-url", REMOTE, "--out", "out", "--user", "U", "--password", "P"],
        [
            "fetch",
            "--base-url",
            REMOTE,
            "--out",
            "out",
            "--user",
            "U",
            "--password",
            "P",
            "--client-id",
            "only-the-id",
        ],
    ],
)
def test_a_login_without_a_client_names_the_options_and_variables(tmp_path, monkeypatch, args):
    monkeypatch.delenv("BBMIGRATE_CLIENT_ID", raising=False)
    monkeypatch.delenv("BBMIGRATE_CLIENT_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "--token-file", str(tmp_path / "t.json")])
    assert result.exit_code in (2, 3), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and NAMES_BOTH[0] in lines[0]
    assert not (tmp_path / "t.json").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "url", ["http://[::1", "ftp://127.0.0.1", "http://127.0.0.1:99999", "localhost:8000"]
)
def test_a_malformed_base_url_is_one_line(tmp_path, url):
    result = CliRunner().invoke(
        main, ["fetch", "--base-url", url, "--out", str(tmp_path / "o"), "--user", "U"]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: --base-url: "), lines
    assert "Traceback" not in result.output
