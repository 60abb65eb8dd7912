"""Every ```sh example in README.md and docs/*.md runs as written, so none can silently break.

Each block runs as one bash script, every command of which must exit 0, or 1 for a finding (never
2, 3 or a traceback), in a scratch copy of
the project's data folders, against a loopback emulator on the packaged samples. Only these
rewrites are made, all of them mechanical:

- ``127.0.0.1:8000`` (the documented emulator address) becomes the test emulator's address, and
  ``BBMIGRATE_BASE_URL`` points there, so commands written for the real sandbox reach it too;
- ``bbmigrate sandbox serve ...`` runs on ``--port 0``: it must start, print its URL and stop
  cleanly on SIGTERM (a trailing ``&`` is dropped: the test emulator is already running);
- the browser login (``bbmigrate auth login`` without ``--user``) logs in with the emulator's
  password form instead, since no browser can take part;
- commands that are the developer's own tooling (installing, the test suite, ruff, git,
  regenerating samples, benchmarks) are not run: ``TOOLING`` lists them with the reason.

The scratch folder is seeded with the inputs the examples name (``out/`` fetched from the
emulator, ``eob.json``, ``claims.ndjson``, ``mapped/``, ``v1/``, ``v2/``), made by bbmigrate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bbmigrate.emulator import DEFAULT_CLIENT as CLIENT
from bbmigrate.emulator import SandboxConfig, create_app, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
# Commands that are not bbmigrate usage but the developer's tooling, with why they are not run.
TOOLING = {
    r"^(python3? -m )?pip install\b": "installs packages (the suite runs in an installed venv)",
    r"^(python3? -m )?pytest\b": "runs a test suite (this is the test suite)",
    r"^(python3? -m )?ruff\b": "lint, run by CI itself",
    r"^git\b": "commits to the repository",
    r"^python3? (samples/_build|benchmarks)/": "rewrites samples / runs a benchmark",
    r"^python3? scripts/planted_bugs\.py\b": "plants bugs and runs test subsets (the test suite)",
}
SERVE = re.compile(r"^bbmigrate sandbox serve\b")
BROWSER_LOGIN = re.compile(r"^bbmigrate auth login\b(?!.*--user)")


def sh_blocks() -> Iterator[tuple[str, str]]:
    """(``file:line`` id, script) for every ```sh fence."""
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        start = None
        for number, line in enumerate(lines, 1):
            fence = line.strip()
            if start is None and fence == "```sh":
                start, body = number, []
            elif start is not None and fence.startswith("```"):
                yield f"{path.relative_to(ROOT)}:{start}", "\n".join(body)
                start = None
            elif start is not None:
                body.append(line.strip())


def commands(script: str) -> list[str]:
    """Logical lines: continuations joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", "", script)
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def rewrite(command: str, base_url: str) -> str:
    command = command.replace("http://127.0.0.1:8000", base_url)
    # ``export BBMIGRATE_CLIENT_ID=...``: the placeholder app becomes the emulator's test client
    command = command.replace("BBMIGRATE_CLIENT_ID=...", f"BBMIGRATE_CLIENT_ID={CLIENT.client_id}")
    command = command.replace(
        "BBMIGRATE_CLIENT_SECRET=...", f"BBMIGRATE_CLIENT_SECRET={CLIENT.client_secret}"
    )
    parts = [part.strip() for part in command.split("&&")]
    kept = []
    for part in parts:
        reason = next((why for pattern, why in TOOLING.items() if re.search(pattern, part)), None)
        if reason is not None:
            kept.append(f": 'not run: {reason}'")
        elif SERVE.match(part):
            part = re.sub(r"\s*&$", "", part)
            part = re.sub(r"--port \d+", "--port 0", part)
            kept.append(f"serve_check {part if '--port' in part else part + ' --port 0'}")
        elif BROWSER_LOGIN.match(part):
            kept.append(part + " --user BBUser00042 --password 'PW00042!'")
        else:
            kept.append(part)
    # Exit 1 is a finding (validation errors, a --fail-on gate): the command ran as documented.
    # Anything else (2 bad input, 3 server error, a crash) fails the block.
    return " && ".join(kept) + " || { rc=$?; [ $rc -eq 1 ] || exit $rc; }"


PRELUDE = r"""
set -uo pipefail
serve_check() {  # start, wait for its URL, SIGTERM, expect a clean exit
    "$@" > serve.log 2>&1 & local pid=$!
    for _ in $(seq 200); do grep -q 'http://' serve.log && break; sleep 0.05; done
    kill -TERM "$pid"; wait "$pid"
    grep -q 'http://127.0.0.1:' serve.log
}
"""


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with serve_in_thread(create_app(SandboxConfig())) as url:
        yield url


@pytest.fixture(scope="module")
def world(tmp_path_factory, emulator_url) -> Path:
    """A scratch project folder holding the inputs the examples name, made by bbmigrate."""
    seed = tmp_path_factory.mktemp("docs-world")
    for folder in ("samples", "mappings", "comparison_tables"):
        shutil.copytree(ROOT / folder, seed / folder)
    run = {"cwd": seed, "env": environment(seed, emulator_url), "check": True, "timeout": 120}
    login = ["--user", "BBUser00042", "--password", "PW00042!"]
    subprocess.run(["bbmigrate", "fetch", "--out", "out", "--quiet", *login], **run)
    subprocess.run(["bbmigrate", "map", "out/v1", "-o", "mapped", "--quiet"], **run)
    for version in ("v1", "v2"):
        shutil.copytree(seed / "out" / version, seed / version)
    eobs = json.loads((seed / "out/v2/ExplanationOfBenefit.json").read_text())["entry"]
    (seed / "eob.json").write_text(json.dumps(eobs[0]["resource"]))
    (seed / "claims.ndjson").write_text("".join(json.dumps(e["resource"]) + "\n" for e in eobs))
    return seed


def environment(home: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBMIGRATE_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),  # the default token file goes to the scratch folder
        BBMIGRATE_BASE_URL=base_url,
        NO_COLOR="1",
    )
    return env


@pytest.mark.parametrize(("where", "script"), [pytest.param(w, s, id=w) for w, s in sh_blocks()])
def test_documented_commands_run(where, script, world, emulator_url, tmp_path):
    if "../shared/reference" in script and not (ROOT.parent / "shared" / "reference").is_dir():
        pytest.skip("needs ../shared/reference")
    cwd = tmp_path / "project"
    shutil.copytree(world, cwd, symlinks=True)
    if (ROOT.parent / "shared").is_dir():
        (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    body = "\n".join(rewrite(command, emulator_url) for command in commands(script))
    result = subprocess.run(
        ["bash", "-c", PRELUDE + body],
        cwd=cwd,
        env=environment(cwd, emulator_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, (
        f"{where}: a documented command failed\n{body}\n--- stdout\n{result.stdout[-3000:]}"
        f"\n--- stderr\n{result.stderr[-3000:]}"
    )


def test_the_rewrites_keep_every_command_and_skip_only_tooling():
    every = [c for _, script in sh_blocks() for c in commands(script)]
    assert any(c.startswith("bbmigrate fetch --base-url http://127.0.0.1:8000") for c in every)
    skipped = [c for c in every if rewrite(c, "http://x").startswith(": 'not run")]
    assert all(not c.startswith("bbmigrate") for c in skipped), skipped
