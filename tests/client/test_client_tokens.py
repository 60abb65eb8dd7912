"""Token model and token file (unit)."""

import json
import stat

import pytest

from bbmigrate.client.tokens import Token, TokenStore
from bbmigrate.errors import AuthError, InputError

BODY = {
    "access_token": "acc-SECRET-1",
    "refresh_token": "ref-SECRET-1",
    "expires_in": 3600,
    "token_type": "Bearer",
    "scope": "profile patient/Patient.rs patient/ExplanationOfBenefit.rs",
    "patient": "-20140000000001",
    "access_grant_expiration": "2026-09-05T19:17:53Z",
}


def test_from_response_computes_expiry_and_scope_set():
    token = Token.from_response(BODY, version="v2", now=1000.0)
    assert token.expires_at == 4600.0
    assert token.scope == {"profile", "patient/Patient.rs", "patient/ExplanationOfBenefit.rs"}
    assert token.patient == "-20140000000001"


def test_expiry_uses_a_leeway():
    token = Token.from_response(BODY, version="v2", now=0.0)
    assert not token.expired(now=3539.0)
    assert token.expired(now=3541.0)  # within 60 s of the end counts as expired
    assert token.expired(now=3541.0, leeway=0) is False


def test_token_without_access_token_is_an_auth_error():
    with pytest.raises(AuthError, match="no access_token"):
        Token.from_response({"error": "x"}, version="v1")


def test_repr_and_summary_never_show_secrets():
    token = Token.from_response(BODY, version="v2")
    for text in (repr(token), str(token), json.dumps(token.summary())):
        assert "SECRET" not in text


def test_store_writes_0600_keeps_other_versions_and_round_trips(tmp_path):
    store = TokenStore(tmp_path / "sub" / "tokens.json")
    v1 = Token.from_response(BODY, version="v1", now=5.0)
    v2 = Token.from_response({**BODY, "access_token": "acc-2"}, version="v2", now=5.0)
    store.save(v1)
    store.save(v2)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load_all() == {"v1": v1, "v2": v2}
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]  # no temp left


def test_store_rejects_a_foreign_file_with_its_name(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text('{"access_token": "x"}')
    with pytest.raises(InputError, match=r"tokens\.json: not a bbmigrate token file"):
        TokenStore(path).load("v2")
    path.write_text('{"tokens": {"v2": {"access_token": "x"}}}')
    with pytest.raises(InputError, match=r"tokens\.v2"):
        TokenStore(path).load("v2")


def test_public_api_is_exactly_what_the_package_exports():
    import inspect

    import bbmigrate.client as client

    public = {
        name
        for name, value in vars(client).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(client.__all__) == public
    assert len(client.__all__) == len(public)


GOOD = {"access_token": "a" * 20, "expires_at": 2e9, "version": "v2", "scope": ["profile"]}
SECRET = "s3cr3t-value-never-shown"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"access_token": 5}, "'access_token' must be a non-empty string"),
        ({"access_token": ""}, "'access_token' must be a non-empty string"),
        ({"expires_at": "soon"}, "'expires_at' must be a number"),
        ({"expires_at": True}, "'expires_at' must be a number"),
        ({"version": 2}, "'version' must be one of v1, v2"),
        ({"scope": "profile"}, "'scope' must be a list of strings"),
        ({"scope": [1]}, "'scope' must be a list of strings"),
        ({"patient": -1}, "'patient' must be a string"),
        ({"refresh_token": {"x": 1}}, "'refresh_token' must be a non-empty string"),
        ({"access_token": SECRET + "\r\nX-Evil: 1"}, "line break or control character"),
        ({"refresh_token": SECRET + "\n"}, "line break or control character"),
    ],
)
def test_a_token_file_with_a_wrong_field_is_one_line_via_the_cli(tmp_path, change, expected):
    from click.testing import CliRunner

    from bbmigrate.cli import main

    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": {"v2": {**GOOD, **change}}}))
    args = ["fetch", "--base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*args, "--token-file", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "tokens.v2" in lines[0]
    assert SECRET not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_token_response_with_a_line_break_is_refused_unshown():
    with pytest.raises(AuthError) as info:
        Token.from_response({"access_token": SECRET + "\r\n"}, version="v2")
    assert "line break" in str(info.value) and SECRET not in str(info.value)
