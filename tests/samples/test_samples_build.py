"""The generator is deterministic and its output is what is committed."""

from __future__ import annotations

import ast
import subprocess
import sys

from sample_files import BUILD_SCRIPT, SAMPLES, data_files


def test_rebuilding_reproduces_the_committed_files(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    committed = sorted(p.relative_to(SAMPLES) for p in data_files())
    assert built == committed
    changed = [
        str(rel) for rel in built if (tmp_path / rel).read_bytes() != (SAMPLES / rel).read_bytes()
    ]
    assert changed == []


def test_generator_imports_nothing_from_bbmigrate():
    imported = set()
    for path in BUILD_SCRIPT.parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    assert "v1_writer" in imported and "v2_writer" in imported
    assert [name for name in imported if name.split(".")[0] == "bbmigrate"] == []
