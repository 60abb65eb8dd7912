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


def test_auth_login_needs_client_credentials(tmp_path, monkeypatch):
    monkeypatch.delenv("BBMIGRATE_CLIENT_ID", raising=False)
    monkeypatch.delenv("BBMIGRATE_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(
        main, ["auth", "login", "--base-url", BASE, "--token-file", str(tmp_path / "t.json")]
    )
    assert result.exit_code == 2
    assert "a client id and secret are needed" in result.stderr
    assert not (tmp_path / "t.json").exists()
