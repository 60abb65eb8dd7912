"""``bbmigrate sandbox serve`` as a real process: --json start info, serving, clean SIGTERM stop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections import Counter

import httpx
import pytest
from click.testing import CliRunner
from sandbox_helpers import DATA

from bbmigrate.cli import main
from bbmigrate.emulator import DEFAULT_CLIENT


def test_serve_prints_json_serves_and_stops_on_sigterm():
    command = [sys.executable, "-m", "bbmigrate", "sandbox", "serve", "--port", "0"]
    command += ["--data", str(DATA), "--json", "--fault-rate", "0.1", "--seed", "5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or lines[-1] != "}\n":
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
        info = json.loads("".join(lines))
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["users"]["first"] == "BBUser00000" and info["fault_rate"] == 0.1
        assert DEFAULT_CLIENT.client_secret not in "".join(lines)  # secrets are never printed
        metadata = httpx.get(f"{info['v2']}/fhir/metadata", timeout=10)
        assert metadata.json()["fhirVersion"] == "4.0.1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_serve_bad_data_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["sandbox", "serve", "--data", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: ")
    assert str(tmp_path) in lines[0]


def test_user_command_matches_what_the_server_serves(live, login):
    """The command's view of user 42 against the FHIR API of a server on the same data (not
    against the Population code the command itself calls)."""
    result = CliRunner().invoke(main, ["sandbox", "user", "42", "--data", str(DATA), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert (info["username"], info["password"]) == ("BBUser00042", "PW00042!")
    token = login(live, 42)
    assert token["patient"] == info["patient_id"]
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    page = live.get("/v2/fhir/ExplanationOfBenefit", params={"_count": 50}, headers=headers).json()
    served = []
    while True:
        served += [entry["resource"]["id"] for entry in page.get("entry", [])]
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        assert len(served) < 10_000
        page = live.get(nxt[0], headers=headers).json()
    assert info["eob_count"] == len(set(served)) == len(served) >= 100
    by_type = Counter(eob_id.split("-", 1)[0] for eob_id in served)
    assert info["eob_by_type"] == dict(sorted(by_type.items()))


def test_serve_on_a_busy_port_is_a_one_line_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["sandbox", "serve", "--data", str(DATA), "--port", str(port)]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert f"bbmigrate: error: sandbox: cannot listen on 127.0.0.1:{port}" in result.stderr


def _corrupt(tmp_path, change) -> str:
    """A copy of the test data whose first v2 EOB of the first sample is changed by ``change``."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    sample = sorted(p for p in data.iterdir() if p.is_dir())[0]
    path = sample / "v2" / "ExplanationOfBenefit.json"
    bundle = json.loads(path.read_text())
    change(bundle["entry"][0]["resource"])
    path.write_text(json.dumps(bundle))
    return str(data), sample.name


def _deep(eob: dict) -> None:
    node = eob
    for _ in range(300):  # deeper than orjson serialises (255 levels)
        node["extension"] = [{}]
        node = node["extension"][0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda eob: eob.update(billablePeriod={"start": 5}), "cannot be served"),
        (lambda eob: eob.update(billablePeriod="2021-01-10"), "cannot be served"),
        (_deep, "cannot be served"),
    ],
)
def test_serve_refuses_a_sample_it_could_not_serve(tmp_path, change, reason):
    data, sample = _corrupt(tmp_path, change)
    # A subprocess with a timeout: a server that wrongly starts must not hang the suite.
    result = subprocess.run(
        [sys.executable, "-m", "bbmigrate", "sandbox", "serve", "--data", data, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bbmigrate: error: "), lines
    assert sample in lines[0] and reason in lines[0]
