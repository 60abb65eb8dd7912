"""Issue #10 point 2, for JSON: mapped resources and JSON reports printed on a terminal carry no
raw DEL, C1 control (CSI 0x9b acts as ESC [) or U+2028/2029, yet mean the same data; written to
a pipe or a file, JSON is data and its bytes are left as they are.

The terminal is a real pseudo-terminal: the command runs as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safety_data import BENE

from bbmigrate.resources import samples_dir

pty = pytest.importorskip("pty")
tty = pytest.importorskip("tty")

# as they reach a terminal in UTF-8: DEL, CSI (C1), NEL (C1), LINE and PARAGRAPH SEPARATOR
RAW = (b"\x7f", b"\xc2\x9b", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
VALUES = ("del\x7fete", "\x9b2J\x9b31mred", "next\x85line", "line\u2028sep\u2029para")


@pytest.fixture(scope="module")
def hostile_patient(tmp_path_factory) -> Path:
    patient = json.loads((samples_dir() / BENE / "v1" / "Patient.json").read_text())
    patient["name"][0]["family"] = VALUES[0]
    patient["name"][0]["given"] = list(VALUES[1:])
    folder = tmp_path_factory.mktemp("terminal")
    for side in ("v1", "v2"):
        (folder / side).mkdir()
    (folder / "v1" / "Patient.json").write_text(json.dumps(patient))
    v2 = json.loads((samples_dir() / BENE / "v2" / "Patient.json").read_text())
    (folder / "v2" / "Patient.json").write_text(json.dumps(v2))
    return folder


def run(args: list[str], *, terminal: bool) -> bytes:
    """stdout of ``python -m bbmigrate ARGS``, on a pseudo-terminal or a pipe."""
    command = [sys.executable, "-m", "bbmigrate", *args]
    if not terminal:
        return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout
    leader, follower = pty.openpty()
    tty.setraw(follower)  # no "\n" -> "\r\n" translation: the bytes as written
    with subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE) as child:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        child.wait(timeout=120)
        os.close(leader)
        assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    return b"".join(chunks)


@pytest.mark.parametrize(
    "args",
    [["map", "{bene}/v1/Patient.json"], ["diff", "{bene}", "--format", "json"]],
    ids=["map", "diff-json"],
)
def test_json_on_a_terminal_holds_no_raw_control_and_the_same_data(hostile_patient, args):
    argv = [a.format(bene=hostile_patient) for a in args]
    piped = run(argv, terminal=False)
    shown = run(argv, terminal=True)
    # a pipe gets the bytes as they are: the values are there raw, which JSON allows
    assert any(raw in piped for raw in RAW)
    for raw in RAW:
        assert raw not in shown, raw
    assert json.loads(shown) == json.loads(piped)
    if args[0] == "map":
        assert json.loads(shown)["name"][0]["family"] == VALUES[0]
        assert b"\\u009b2J\\u009b31mred" in shown and b"line\\u2028sep\\u2029para" in shown


def test_text_on_a_terminal_is_still_escaped_the_one_way(hostile_patient):
    shown = run(["diff", str(hostile_patient), "--format", "text"], terminal=True)
    for raw in RAW:
        assert raw not in shown, raw
    assert b"\\x9b2J\\x9b31mred" in shown  # the text rule's escape, untouched by the JSON one
