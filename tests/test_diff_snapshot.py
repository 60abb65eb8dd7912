"""A diff report of one sample beneficiary, pinned with the ``fhir_snapshot`` fixture.

The report is aligned by semantic keys only (``mapper=None``), so that it changes when the
samples or the aligner change, not with every mapping rule. It keeps the summary, each
resource's counts, and every difference (not the ``same`` records) of the Patient and the
Coverage resources; EOB records are pinned through their counts (the full report is megabytes).
"""

from __future__ import annotations

import orjson

from bbmigrate.diff import diff_paths, report_dict
from bbmigrate.resources import samples_dir


def test_sample_beneficiary_report(fhir_snapshot):
    index = orjson.loads((samples_dir() / "index.json").read_bytes())
    bene = sorted(b["id"] for b in index["beneficiaries"])[0]
    report, pairs = diff_paths(samples_dir() / bene, mapper=None)
    data = report_dict(report, pairs, only=frozenset({"moved", "changed", "removed", "added"}))
    data["summary"]["left"], data["summary"]["right"] = f"{bene}/v1", f"{bene}/v2"
    digest = {
        "summary": data["summary"],
        "counts": {f"{r['resourceType']}/{r['id']}": r["counts"] for r in data["resources"]},
        "records": [r for r in data["resources"] if r["resourceType"] != "ExplanationOfBenefit"],
    }
    assert digest == fhir_snapshot
