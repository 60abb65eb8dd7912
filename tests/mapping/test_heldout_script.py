"""benchmarks/heldout_fidelity.py: finds pairs in a folder and prints their fidelity table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "heldout_fidelity.py"


def _script():
    spec = importlib.util.spec_from_file_location("heldout_fidelity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_pair(folder: Path, v1: dict, v2: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "v1.json").write_text(json.dumps(v1))
    (folder / "v2.json").write_text(json.dumps(v2))


def test_scores_every_pair_under_the_folder(tmp_path, capsys):
    v1 = {"resourceType": "Patient", "id": "9", "gender": "female", "birthDate": "1950-01-02"}
    expected = dict(v1, meta={"profile": ["x"]})
    _write_pair(tmp_path / "same" / "patientA", v1, v1)
    _write_pair(tmp_path / "patientB", v1, expected)
    assert _script().main([str(tmp_path), "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert set(table) == {"same/patientA", "patientB", "TOTAL"}
    assert table["patientB"]["expected_leaves"] == 5
    assert table["patientB"]["recall"] < 1.0  # the made-up profile is not what the mapper writes
    assert table["TOTAL"]["expected_leaves"] == table["same/patientA"]["expected_leaves"] + 5


def test_a_folder_without_pairs_is_an_error(tmp_path, capsys):
    assert _script().main([str(tmp_path)]) == 2
    assert "no v1/v2 pair" in capsys.readouterr().err
