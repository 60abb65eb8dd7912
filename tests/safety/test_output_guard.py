"""Issue #10 point 3: an output path that resolves to an input is refused, exit 2, before anything
is written: the same path, another spelling, a hard link, a symlink either way, and for folder
outputs a folder that contains or sits inside an input folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from safety_data import BENE

from bbmigrate.cli import main
from bbmigrate.errors import OutputError
from bbmigrate.output_guard import guard_output
from bbmigrate.resources import data_dir, samples_dir


@pytest.fixture
def bene(tmp_path) -> Path:
    folder = tmp_path / "bene"
    for side in ("v1", "v2"):
        (folder / side).mkdir(parents=True)
        for name in ("Patient.json", "Coverage.json"):
            shutil.copy(samples_dir() / BENE / side / name, folder / side / name)
    return folder


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` with its bytes and inode: nothing may change, appear or vanish."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def refused(root: Path, *args: str, reason: str = "choose another output path") -> str:
    """The command exits 2 with one line saying ``reason``, and nothing under ``root`` moved."""
    before = snapshot(root)
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    assert snapshot(root) == before
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
    return lines[0]


def test_map_onto_itself(bene):
    patient = str(bene / "v1" / "Patient.json")
    line = refused(bene, "map", patient, "-o", patient)
    assert "output is the input" in line


def test_diff_onto_its_left_input(bene):
    left, right = bene / "v1" / "Patient.json", bene / "v2" / "Patient.json"
    refused(bene, "diff", str(left), str(right), "-o", str(left))
    refused(bene, "diff", str(left), str(right), "--format", "xlsx", "-o", str(right))


def test_diff_onto_its_baseline(bene, tmp_path):
    baseline = tmp_path / "baseline.json"
    result = CliRunner().invoke(main, ["diff", str(bene), "--format", "json", "-o", str(baseline)])
    assert result.exit_code == 0, result.output
    refused(tmp_path, "diff", str(bene), "--baseline", str(baseline), "-o", str(baseline))


def test_diff_onto_a_file_of_an_input_folder(bene):
    refused(bene, "diff", str(bene), "--format", "json", "-o", str(bene / "v2" / "Coverage.json"))


def test_validate_onto_itself_by_another_spelling(bene, monkeypatch):
    monkeypatch.chdir(bene / "v2")
    refused(bene, "validate", "Patient.json", "-o", "../v2/./Patient.json", "--format", "json")


def test_hard_link_to_an_input(bene, tmp_path):
    link = tmp_path / "report.json"
    os.link(bene / "v1" / "Patient.json", link)
    line = refused(tmp_path, "map", str(bene / "v1" / "Patient.json"), "-o", str(link))
    assert "link to (the same file as) the input" in line
    # a hard link to a file inside an input folder counts too
    os.link(bene / "v2" / "Coverage.json", tmp_path / "cov.json")
    refused(tmp_path, "diff", str(bene), "--format", "json", "-o", str(tmp_path / "cov.json"))


def test_symlink_either_way(bene, tmp_path):
    patient = bene / "v1" / "Patient.json"
    out_link = tmp_path / "out.json"
    out_link.symlink_to(patient)
    refused(tmp_path, "map", str(patient), "-o", str(out_link))
    in_link = tmp_path / "in.json"
    in_link.symlink_to(patient)
    refused(tmp_path, "validate", str(in_link), "--format", "json", "-o", str(patient))
    # a symlinked folder as the input, its real folder as the output
    folder_link = tmp_path / "v1-link"
    folder_link.symlink_to(bene / "v1", target_is_directory=True)
    refused(tmp_path, "map", str(folder_link), "-o", str(bene / "v1"))


@pytest.mark.parametrize("where", ["inside", "around", "same"])
def test_folder_map_output_nested_with_its_input(bene, where):
    source = bene / "v1"
    output = {"inside": source / "mapped", "around": bene, "same": source}[where]
    refused(bene, "map", str(source), "-o", str(output))
    assert not (source / "mapped").exists()


def test_unrelated_outputs_still_work(bene, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["map", str(bene / "v1"), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["Coverage.json", "Patient.json"]
    # a report inside an input folder, of a kind the folder's readers do not take: allowed
    report = bene / "report.html"
    result = CliRunner().invoke(main, ["diff", str(bene), "--format", "html", "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert report.is_file()


def test_a_report_the_next_run_would_read_is_refused_inside_an_input_folder(bene):
    # `validate bene/v2 -o bene/v2/report.json`: the next `validate bene/v2` reads it
    line = refused(
        bene, "validate", str(bene / "v2"), "--format", "json", "-o", str(bene / "v2" / "r.json")
    )
    assert "(.json, like files there) is inside the input folder" in line


def test_guard_ignores_stdout_and_missing_options(tmp_path):
    guard_output(None, [tmp_path])
    guard_output("-", [tmp_path])
    guard_output(tmp_path / "new.json", [None, "-", tmp_path / "other.json"])
    with pytest.raises(OutputError, match="output is the input"):
        guard_output(tmp_path / "a" / ".." / "x.json", [tmp_path / "x.json"])


# -- fetch --out: its inputs are the token file it reads (and saves rotated tokens to) and
# bbmigrate's own data folders, which other commands and the emulator read ------------------
NO_SERVER = "http://127.0.0.1:9"  # nothing listens: a fetch that got past the guard fails, exit 3


def fetch_args(out: Path, *extra: str) -> list[str]:
    return ["fetch", "--base-url", NO_SERVER, "--out", str(out), "--retries", "0", *extra]


def token_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.json"
    path.write_text('{"tokens": {}}')
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("where", ["top", "v2"])
def test_fetch_into_a_folder_holding_its_token_file(tmp_path, where):
    out = tmp_path / "bene"
    tokens = token_file(out if where == "top" else out / "v2")
    line = refused(tmp_path, *fetch_args(out, "--token-file", str(tokens)))
    assert "contains the input" in line and str(tokens) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bene"]  # no staging folder either


def test_fetch_into_the_folder_of_the_default_token_file(tmp_path, monkeypatch):
    tokens = token_file(tmp_path / "config")
    monkeypatch.setenv("BBMIGRATE_TOKEN_FILE", str(tokens))
    refused(tmp_path, *fetch_args(tmp_path / "config"))
    # logging in with --user and no --token-file reads no token file: nothing to protect there
    result = CliRunner().invoke(
        main, fetch_args(tmp_path / "config", "--user", "U", "--password", "P")
    )
    assert result.exit_code == 3 and "choose another output path" not in result.output


@pytest.mark.parametrize("folder", ["mappings", "samples"])
@pytest.mark.parametrize("how", ["inside", "same", "symlink", "around"])
def test_fetch_into_bbmigrate_own_data(tmp_path, folder, how):
    real = data_dir(folder)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    out = {"inside": real / BENE, "same": real, "symlink": link, "around": real.parent}[how]
    line = refused_data(real, *fetch_args(out, "--user", "U", "--password", "P"))
    # the checkout around both data folders names the first one it holds
    assert str(real) in line or how == "around"
    assert not [p for p in real.parent.iterdir() if ".fetch-" in p.name]


def refused_data(real: Path, *args: str) -> str:
    return refused(real, *args, reason="bbmigrate's own data folder")


# Every command that writes, aimed at bbmigrate's own data: a new file inside it, or one of
# its files replaced. Nothing names the data folder as an input: the guard knows it is one.
OWN_DATA_WRITES = {
    "map": ["map", "{bene}/v1/Patient.json", "-o", "{target}"],
    "diff": ["diff", "{bene}", "--format", "json", "-o", "{target}"],
    "validate": ["validate", "{bene}/v2", "--format", "json", "-o", "{target}"],
    "tables": ["tables", "--format", "csv", "-o", "{target}"],
}


@pytest.mark.parametrize("command", sorted(OWN_DATA_WRITES))
@pytest.mark.parametrize(
    "target",
    ["mappings/new.json", "mappings/patient.yaml", "samples/new.json", "samples/index.json"],
)
def test_no_command_writes_into_bbmigrate_own_data(bene, command, target):
    folder = data_dir(target.split("/")[0])
    path = folder / target.split("/", 1)[1]
    args = [a.format(bene=bene, target=path) for a in OWN_DATA_WRITES[command]]
    line = refused_data(folder, *args)
    assert str(folder) in line
    assert path.exists() == (target.split("/")[1] != "new.json")


def test_a_hard_link_to_a_file_of_bbmigrate_own_data(bene, tmp_path):
    link = tmp_path / "index.json"
    try:
        os.link(data_dir("samples") / "index.json", link)
    except OSError as exc:  # the temporary folder is on another file system
        pytest.skip(f"cannot hard-link into {tmp_path}: {exc.strerror}")
    line = refused_data(
        data_dir("samples"), "map", str(bene / "v1" / "Patient.json"), "-o", str(link)
    )
    assert "is a link to a file of" in line


def test_fetch_beside_its_token_file_is_allowed(tmp_path):
    tokens = token_file(tmp_path / "config")
    result = CliRunner().invoke(main, fetch_args(tmp_path / "bene", "--token-file", str(tokens)))
    # past the guard: it fails for want of a token, not for its output path
    assert result.exit_code != 0 and "choose another output path" not in result.output
    assert "token" in result.output.lower()


# Inputs the user names besides the resources: a mapping folder, a dictionary, a facts file.
# An output inside such a folder would be read as one of its files by the next run.
def test_map_output_inside_its_mapping_folder(bene, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(data_dir("mappings"), rules)
    patient = str(bene / "v1" / "Patient.json")
    line = refused(tmp_path, "map", patient, "--mappings", str(rules), "-o", str(rules / "p.yaml"))
    assert "is inside the input folder" in line


def test_tables_output_inside_its_dictionary_or_onto_its_facts_file(tmp_path):
    dictionary = tmp_path / "dictionary"
    (dictionary / "V2").mkdir(parents=True)
    (dictionary / "V2" / "0001_x.json").write_text("{}")
    refused(
        tmp_path,
        "tables",
        "--dictionary",
        str(dictionary),
        "--format",
        "csv",
        "-o",
        str(dictionary / "V2" / "9999_x.json"),
    )
    facts = tmp_path / "variables.json"
    shutil.copy(data_dir("mappings") / "variables.json", facts)
    line = refused(
        tmp_path, "tables", "--variables", str(facts), "--format", "csv", "-o", str(facts)
    )
    assert "output is the input" in line


@pytest.mark.parametrize("command", ["map", "validate"])
def test_output_onto_the_file_given_on_stdin(bene, command):
    # `map - -o F < F`: the shell opens F for reading; the command sees only "-"
    patient = bene / "v1" / "Patient.json"
    before = patient.read_bytes()
    args = [sys.executable, "-m", "bbmigrate", command, "-", "-o", str(patient)]
    with patient.open("rb") as stdin:
        done = subprocess.run(args, stdin=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "output is the file given on standard input" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert patient.read_bytes() == before
    # the same command with stdin from another file still writes
    out = bene / "out.json"
    with patient.open("rb") as stdin:
        done = subprocess.run([*args[:-1], str(out)], stdin=stdin, capture_output=True, timeout=120)
    assert out.is_file(), done.stderr


def test_demo_refuses_a_symlink_and_bbmigrate_own_data(tmp_path):
    # both refused before the sandbox starts: nothing is fetched, nothing replaced
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "link")])
    assert result.exit_code == 2 and "is a symbolic link" in result.stderr, result.output
    assert (tmp_path / "link").is_symlink() and not any((tmp_path / "real").iterdir())
    refused_data(data_dir("samples"), "demo", "--out", str(data_dir("samples") / "demo-x"))
