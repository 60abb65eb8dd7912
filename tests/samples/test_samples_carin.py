"""Our v2 samples are exactly as CARIN-conformant as BFD's own v2 responses, no less.

BB2 v2 output is not fully C4BB-valid; imitating it faithfully means reproducing those gaps, but
never adding a new kind of CARIN error. A kind is (rule, element path without indexes, message
with numbers blanked), as reported by ``bbmigrate validate``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sample_files import SAMPLES


def _error_kinds(target: Path, out: Path) -> set[tuple[str, str, str]]:
    command = ["validate", str(target), "--ig", "1.1.0", "--format", "json", "-o", str(out), "-q"]
    result = subprocess.run(
        [sys.executable, "-m", "bbmigrate", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr  # 1 = findings, 2 = bad input
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    return {
        (f["rule"], re.sub(r"\[\d+\]", "[]", f["path"]), re.sub(r"\d+", "N", f["message"]))
        for f in findings
        if f["severity"] == "error"
    }


@pytest.mark.reference
def test_no_carin_error_kind_that_bfd_v2_does_not_have(bfd_responses, tmp_path):
    ours = _error_kinds(SAMPLES, tmp_path / "ours.json")
    reference = _error_kinds(bfd_responses / "v2", tmp_path / "reference.json")
    assert reference and ours  # both sides really were validated
    assert sorted(ours - reference) == []
