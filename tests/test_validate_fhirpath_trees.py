"""The stored parse trees of the invariants are what fhirpathpy parses today, cover every
bundled invariant, and spare a validate run the FHIRPath parser (speed: bench_validate.py)."""

from __future__ import annotations

import subprocess
import sys

import orjson
from fhirpathpy.parser import parse

from bbmigrate.resources import samples_dir
from bbmigrate.validate import fhirpath_trees
from bbmigrate.validate.profiles import IG_VERSIONS, _bundled


def test_stored_trees_are_todays_parse_of_every_bundled_invariant():
    document = orjson.loads(fhirpath_trees.TREES_PATH.read_bytes())
    assert document["fhirpathpy"] == fhirpath_trees._fhirpathpy_version(), (
        "fhirpathpy changed: run scripts/build_validate_rulesets.py"
    )
    wanted = {e for v in IG_VERSIONS for e in fhirpath_trees.expressions(_bundled(v))}
    assert len(wanted) > 30 and set(document["trees"]) == wanted
    for expression, tree in document["trees"].items():
        assert tree == parse(expression), expression
    assert fhirpath_trees.stored() == document["trees"]


def test_an_expression_not_stored_is_parsed(monkeypatch):
    monkeypatch.setattr(fhirpath_trees, "stored", lambda: {})
    assert fhirpath_trees.parse("a.b.exists()") == parse("a.b.exists()")


def test_trees_from_another_fhirpathpy_are_not_used(monkeypatch):
    fhirpath_trees.stored.cache_clear()
    monkeypatch.setattr(fhirpath_trees, "_fhirpathpy_version", lambda: "0.0.1")
    try:
        assert fhirpath_trees.stored() == {}
    finally:
        fhirpath_trees.stored.cache_clear()


_PROBE = """
import sys
from bbmigrate.validate import Validator, invariants, validate_path
# The few invariants outside the native subset are fhirpathpy's to evaluate (it compiles them,
# parser and all); count them instead, so that what is left is the native path alone.
fallbacks = []
invariants.InvariantChecker.evaluate_fhirpathpy = lambda self, e, *a: fallbacks.append(e) or [True]
report = validate_path(sys.argv[1], Validator("2.0.0"))
assert report.summary["resources"] > 10 and report.summary["errors"], report.summary
assert len(fallbacks) < report.summary["resources"], len(fallbacks)
print(",".join(m for m in sys.modules if m.startswith(("fhirpathpy", "antlr4"))))
"""


def test_validating_a_beneficiary_needs_no_fhirpath_parser():
    # Every invariant the native closures evaluate on a sample beneficiary's EOBs, Coverage
    # and Patient comes from a stored tree: the ANTLR parser (~35 ms to import, ~3 ms an
    # expression) is never loaded.
    folder = next(samples_dir().glob("*/v2"))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == ""
