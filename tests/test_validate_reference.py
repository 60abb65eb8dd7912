"""What the real BB2 v2 responses get, per file and IG version: a regression guard.

The snapshot holds, per file, the *kinds* of findings (severity, rule, profile element or
index-free path), not values or counts, so a change in the validator or in the rules shows up
as a readable diff. The explicit assertions restate facts established independently in
/work/shared/notes (the prototype checker's findings on the same data).
"""

from __future__ import annotations

import re

import pytest
from validate_support import fill_placeholders, packages_dir

from bbmigrate.jsonio import read_json
from bbmigrate.validate import Validator
from bbmigrate.validate.inputs import iter_resources

pytestmark = pytest.mark.reference
_INDEX = re.compile(r"\[\d+\]")


def _kinds(findings) -> list[str]:
    return sorted(
        {f"{f.severity} {f.rule} {f.element or _INDEX.sub('', f.path)}" for f in findings}
    )


@pytest.fixture(scope="module", params=["1.1.0", "2.0.0"])
def results(request, bfd_responses):
    validator = Validator(request.param, packages_dir())
    by_file: dict[str, list] = {}
    for path in sorted((bfd_responses / "v2").glob("*.json")):
        doc = fill_placeholders(read_json(path))
        if doc["resourceType"] == "CapabilityStatement":
            continue
        found = []
        for resource, _ in iter_resources_from(doc, path.name):
            found += validator.validate(resource).findings
        by_file[path.name] = found
    return request.param, by_file


def iter_resources_from(doc, name):
    if doc["resourceType"] == "Bundle":
        return [(e["resource"], name) for e in doc["entry"]]
    return [(doc, name)]


def test_finding_kinds_per_file_are_stable(results, snapshot):
    ig, by_file = results
    assert ig in ("1.1.0", "2.0.0")
    assert {name: _kinds(found) for name, found in by_file.items()} == snapshot


def test_known_bb2_gaps_are_reported(results):
    ig, by_file = results
    rules = {name: {(f.rule, f.element) for f in found} for name, found in by_file.items()}
    eobs = [name for name in by_file if name.startswith("eobRead")]
    assert len(eobs) == 8
    pde_slices = {e for r, e in rules["eobReadPde.json"] if r == "slice"}
    assert "ExplanationOfBenefit.supportingInfo:dawcode" in pde_slices
    if ig == "2.0.0":
        # BFD emits several `uc` identifiers; CARIN 2.0.0 allows one uniqueclaimid.
        for name in eobs:
            assert ("slice", "ExplanationOfBenefit.identifier:uniqueclaimid") in rules[name], name
        assert "ExplanationOfBenefit.supportingInfo:refillsAuthorized" in pde_slices
        # Unversioned meta.profile: every resource misses the 2.0.x profile-version invariant.
        for name, found in by_file.items():
            assert any(f.rule.endswith("meta-profile-version") for f in found), name
        for name in ("coverageRead.json", "patientRead.json"):
            assert {f.rule for f in by_file[name] if f.severity == "error"} <= {
                "coverage-meta-profile-version",
                "patient-meta-profile-version",
            }
    else:
        # 1.1.0 requires `…|1.1.0` in meta.profile; BB2 declares unversioned profiles.
        for name, found in by_file.items():
            assert any(
                f.rule == "slice" and f.element.endswith("meta.profile:supportedProfile")
                for f in found
            ), name


def test_v2_folder_reads_like_the_files(bfd_responses):
    # The folder form reads every file and expands Bundles into their entries.
    expected = 0
    for path in (bfd_responses / "v2").glob("*.json"):
        doc = read_json(path)
        expected += len(doc["entry"]) if doc["resourceType"] == "Bundle" else 1
    resources = list(iter_resources(bfd_responses / "v2"))
    assert len(resources) == expected
    assert any(src.endswith("eobByPatientIdPaged.json#entry[7]") for _, src in resources)
    assert all(res["resourceType"] != "Bundle" for res, _ in resources)


def test_must_support_across_the_v2_corpus(bfd_responses):
    from validate_support import fill_placeholders as fill

    from bbmigrate.validate import validate_resources

    resources = [(fill(r), s) for r, s in iter_resources(bfd_responses / "v2")]
    report = validate_resources(resources, Validator("2.0.0", packages_dir()))
    inpatient = report.must_support[
        "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
        "C4BB-ExplanationOfBenefit-Inpatient-Institutional"
    ]
    # Counted from the input, independently of the validator's profile selection.
    declared_inpatient = [
        r
        for r, _ in resources
        if any(p.endswith("Inpatient-Institutional") for p in r.get("meta", {}).get("profile", []))
    ]
    assert declared_inpatient and inpatient["resources"] == len(declared_inpatient)
    never = set(inpatient["never_present"])
    # BB2 never sends a payee or related claims; it always sends totals with a category (in
    # slices, which also populate the base element) and an admission period.
    assert {"ExplanationOfBenefit.payee", "ExplanationOfBenefit.related"} <= never
    assert "ExplanationOfBenefit.total.category" not in never
    assert "ExplanationOfBenefit.supportingInfo:admissionperiod" not in never
    organization = report.must_support[
        "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Organization"
    ]
    organizations = sum(
        (r["resourceType"] == "Organization")
        + sum(c["resourceType"] == "Organization" for c in r.get("contained", []))
        for r, _ in resources
    )
    assert organizations and organization["resources"] == organizations  # contained ones count
