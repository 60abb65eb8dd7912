"""scripts/planted_bugs.py: its mutations still plant, and planting never guesses.

The planted-bug table (docs/testing.md) is only reproducible while every mutation's old text is
in the code exactly once: a refactor that moves the line must fail here, not turn the table into
a run of unplanted bugs that all pass.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "planted_bugs.py"


def _script():
    spec = importlib.util.spec_from_file_location("planted_bugs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


planted = _script()


@pytest.mark.parametrize("mutation", planted.MUTATIONS, ids=lambda m: m.name)
def test_each_mutation_plants_once_and_names_tests_that_exist(mutation):
    text = (ROOT / mutation.file).read_text(encoding="utf-8")
    assert text.count(mutation.old) == 1, f"{mutation.name}: old text moved in {mutation.file}"
    assert mutation.new != mutation.old and mutation.new not in text
    for arg in mutation.tests:
        path = arg.split("=", 1)[1] if arg.startswith("--ignore=") else arg
        assert (ROOT / path).exists(), f"{mutation.name}: no {path}"


def test_names_are_unique_and_cover_every_rule_kind():
    names = [m.name for m in planted.MUTATIONS]
    assert len(names) == len(set(names))
    issue_15 = {
        "mapping-target", "concept-code", "diff-kind", "paging", "pkce", "profile-cardinality",
        "snapshot-normalisation", "cardinality-min", "cardinality-max", "fixed-value",
        "pattern-value", "slice-min", "slice-discriminator", "required-binding", "invariants",
        "must-support",
    }  # fmt: skip
    assert issue_15 <= set(names)


def _mutation(old: str):
    return planted.Mutation("m", "f.py", old, "NEW", "breaks", ("tests",))


def test_plant_replaces_the_one_occurrence(tmp_path):
    (tmp_path / "f.py").write_text("a = 1\nb = 2\n")
    planted.plant(tmp_path, _mutation("b = 2"))
    assert (tmp_path / "f.py").read_text() == "a = 1\nNEW\n"


@pytest.mark.parametrize("text", ["a = 1\n", "b = 2\nb = 2\n"], ids=["absent", "twice"])
def test_plant_refuses_text_not_found_exactly_once(tmp_path, text):
    (tmp_path / "f.py").write_text(text)
    with pytest.raises(planted.PlantError, match=r"m: old text found [02] times in f\.py"):
        planted.plant(tmp_path, _mutation("b = 2"))
    assert (tmp_path / "f.py").read_text() == text


def test_copy_takes_tracked_and_untracked_files_but_not_ignored_ones(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    (src / ".gitignore").write_text(".venv/\n")
    (src / "tracked.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=src, check=True)
    subprocess.run(["git", "add", "."], cwd=src, check=True)
    (src / "tracked.py").write_text("x = 2\n")  # the working tree, not the index, is copied
    (src / "new.py").write_text("y = 1\n")
    (src / ".venv").mkdir()
    (src / ".venv" / "big").write_text("no")
    planted.copy_tree(src, dest)
    assert sorted(p.name for p in dest.rglob("*") if p.is_file()) == [
        ".gitignore",
        "new.py",
        "tracked.py",
    ]
    assert (dest / "tracked.py").read_text() == "x = 2\n"


def test_table_says_missed_plainly():
    m = planted.MUTATIONS[0]
    rows = planted.table(
        [{"mutation": m, "with": (True, "tests/a.py::t", 1.0), "bare": (False, "", 2.0)}]
    )
    line = rows.splitlines()[-1]
    assert "| caught (1 s) | **missed** (2 s) | `tests/a.py::t` |" in line
    assert f"`{m.file}`" in line


def test_a_selection_that_matches_nothing_is_exit_2(capsys):
    assert planted.main(["-k", "no-such-bug", "--list"]) == 2
    assert "no mutation matches no-such-bug" in capsys.readouterr().err
    assert planted.main(["-k", "pkce", "--list"]) == 0
    assert capsys.readouterr().out.startswith("pkce: bbmigrate/emulator/oauth.py:")
