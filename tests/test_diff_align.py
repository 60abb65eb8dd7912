"""Alignment of v1 and v2 leaves: one record per v1 leaf, moves found, provenance followed."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass

from diff_data import EOB_V1, EOB_V2, PATIENT_V1, PATIENT_V2

from bbmigrate.diff.align import align
from bbmigrate.diff.compare import compare_mapped
from bbmigrate.diff.provenance import ProvenanceIndex, map_resource, prefixes
from bbmigrate.fidelity import score
from bbmigrate.leaves import flatten


def by_v1(changes):
    return {c.v1_path: c for c in changes if c.v1_path}


def assert_one_record_per_v1_leaf(v1, changes):
    want = Counter(leaf.path for leaf in flatten(v1))
    have = Counter(c.v1_path for c in changes if c.kind != "added")
    assert have == want
    assert all(c.v1_path is None for c in changes if c.kind == "added")


def test_patient_kinds_without_mapping():
    changes = align(PATIENT_V1, PATIENT_V2)
    assert_one_record_per_v1_leaf(PATIENT_V1, changes)
    rec = by_v1(changes)
    # the MBI moved from identifier[1] to identifier[0]: same semantic key, so "same"
    assert rec["identifier[1].value"].kind == "same"
    assert rec["identifier[1].value"].v2_path == "identifier[0].value"
    assert rec["identifier[0].value"].kind == "removed"  # the hash has no v2 counterpart
    assert rec["meta.lastUpdated"].kind == "changed"
    added = {c.v2_path for c in changes if c.kind == "added"}
    assert "meta.profile[0]" in added
    assert "identifier[0].type.coding[0].code" in added


def test_structural_moves_are_anchored_by_variable_or_distinctive_value():
    changes = align(EOB_V1, EOB_V2)
    assert_one_record_per_v1_leaf(EOB_V1, changes)
    rec = by_v1(changes)
    money = rec["extension[0].valueMoney.value"]
    assert (money.kind, money.v2_path) == (
        "moved",
        "benefitBalance[0].financial[0].usedMoney.value",
    )
    assert money.variable == "nch_clm_prvdr_pmt_amt"
    assert rec["extension[0].url"].v2_path.startswith("benefitBalance[0].financial[0].type")
    code = rec["item[0].service.coding[0].code"]
    assert code.kind == "moved"
    assert code.v2_path == "item[0].productOrService.coding[0].code"
    assert rec["item[0].quantity.value"].kind == "changed"
    # a trivial value ("USD", 1) does not move by value alone without an anchor
    assert rec["extension[0].valueMoney.system"].kind == "removed"


def test_ignored_field_equals_anything():
    v1 = {"resourceType": "Bundle", "id": "IGNORED_FIELD"}
    v2 = {"resourceType": "Bundle", "id": "abc"}
    assert [c.kind for c in align(v1, v2)] == ["same", "same"]


@dataclass(frozen=True)
class Prov:
    rule_id: str
    variable: str | None
    v1_path: str | None
    v2_path: str | None


def toy_mapper(v1):
    """Renames item.service to productOrService, drops Money.system, adds a profile constant."""
    out = copy.deepcopy(v1)
    records = []
    for i, item in enumerate(out.get("item", [])):
        if "service" in item:
            item["productOrService"] = item.pop("service")
            records.append(
                Prov("eob.item-service", None, f"item[{i}].service", f"item[{i}].productOrService")
            )
    for i, ext in enumerate(out.get("extension", [])):
        money = ext.get("valueMoney")
        if money:
            money.pop("system")
            records.append(Prov("money.system", None, f"extension[{i}].valueMoney.system", None))
    out["meta"] = {"profile": ["http://example.org/profile"]}
    records.append(Prov("eob.profile", None, None, "meta.profile[0]"))
    return out, records


def test_provenance_decides_the_counterpart_even_against_list_order():
    v2 = copy.deepcopy(EOB_V2)
    v2["item"][0]["productOrService"]["coding"].insert(
        0, {"system": "http://example.org/other", "code": "92999"}
    )
    v2["meta"] = {"profile": ["http://example.org/profile"]}
    changes = align(EOB_V1, v2, map_resource(EOB_V1, toy_mapper))
    assert_one_record_per_v1_leaf(EOB_V1, changes)
    rec = by_v1(changes)
    code = rec["item[0].service.coding[0].code"]
    assert (code.kind, code.rule) == ("moved", "eob.item-service")
    # the subtree rule carries the rest of the path; the array order in v2 does not matter
    assert code.v2_path == "item[0].productOrService.coding[1].code"
    dropped = rec["extension[0].valueMoney.system"]
    assert (dropped.kind, dropped.rule) == ("removed", "money.system")
    profile = [c for c in changes if c.v2_path == "meta.profile[0]"]
    assert [(c.kind, c.rule) for c in profile] == [("added", "eob.profile")]


def test_mapped_comparison_agrees_with_fidelity():
    mapped = map_resource(EOB_V1, toy_mapper)
    changes, fidelity = compare_mapped(EOB_V1, mapped, EOB_V2)
    counts = Counter(c.kind for c in changes)
    assert counts["reproduced"] == fidelity.shared
    assert counts["reproduced"] + counts["differs"] + counts["extra"] == fidelity.mapped
    assert counts["reproduced"] + counts["differs"] + counts["missing"] == fidelity.expected
    # Counted by hand: 16 leaves each side; 11 shared (resourceType, id, the identifier's
    # system and value, patient, careTeam's sequence/identifier/display, item sequence and the
    # HCPCS system and code); the quantity differs (1 vs 2); mapped alone has the extension's
    # url, value and code and meta.profile; v2 alone the benefitBalance type system and code,
    # usedMoney value and currency.
    assert (fidelity.shared, fidelity.mapped, fidelity.expected) == (11, 16, 16)
    assert counts == {"reproduced": 11, "differs": 1, "extra": 4, "missing": 4}
    assert fidelity == score(mapped.document, EOB_V2)  # the CLI's scorer agrees
    rec = {c.mapped_path: c for c in changes if c.mapped_path}
    quantity = rec["item[0].quantity.value"]
    assert (quantity.kind, quantity.mapped_value, quantity.v2_value) == ("differs", 1, 2)
    code = rec["item[0].productOrService.coding[0].code"]
    assert (code.kind, code.rule, code.v1_path) == (
        "reproduced",
        "eob.item-service",
        "item[0].service.coding[0].code",
    )


def test_provenance_index_walks_up_to_the_nearest_recorded_ancestor():
    index = ProvenanceIndex([Prov("r", "v", "a[0].b", "x.y[2]")])
    hit = index.from_v1("a[0].b.c[1].d")[0]
    assert (hit.rule, hit.other_path) == ("r", "x.y[2].c[1].d")
    assert index.from_v1("a[1].b") == []
    assert list(prefixes("a[0].b"))[:3] == [("a[0].b", ""), ("a[0]", ".b"), ("a", "[0].b")]
