from __future__ import annotations

import copy

from bbmigrate.snapshot.changes import FieldChange, equivalent, field_changes, render_changes
from bbmigrate.snapshot.extension import FhirSnapshotExtension, canonical_json


def eob() -> dict:
    return {
        "resourceType": "ExplanationOfBenefit",
        "extension": [
            {"url": "https://x/var/a", "valueCode": "1"},
            {"url": "https://x/var/b", "valueCoding": {"code": "2"}},
            {"url": "https://x/var/c", "valueCode": "3"},
        ],
        "item": [{"sequence": n, "net": {"value": float(n)}} for n in range(1, 12)],
        "status": "active",
    }


def rendered(old: dict, new: dict) -> list[str]:
    return [change.render() for change in field_changes(old, new)]


def test_equal_documents_have_no_changes() -> None:
    assert field_changes(eob(), eob()) == []


def test_changed_added_removed_in_fhir_path_form() -> None:
    new = eob()
    new["item"][10]["net"]["value"] = 13.0
    new["item"][2]["net"]["currency"] = "USD"
    new["status"] = "cancelled"
    del new["item"][0]["sequence"]
    assert rendered(eob(), new) == [
        "- item[0].sequence: 1",
        '+ item[2].net.currency: "USD"',
        "item[10].net.value: 11.0 -> 13.0",  # natural order: item[2] before item[10]
        'status: "active" -> "cancelled"',
    ]


def test_extensions_are_paired_and_named_by_url() -> None:
    new = eob()
    del new["extension"][0]
    new["extension"][0]["valueCoding"]["code"] = "22"
    new["extension"].append({"url": "https://x/var/d", "valueCode": "4"})
    assert rendered(eob(), new) == [
        '- extension[url=https://x/var/a]: {"url":"https://x/var/a","valueCode":"1"}',
        'extension[url=https://x/var/b].valueCoding.code: "2" -> "22"',
        '+ extension[url=https://x/var/d]: {"url":"https://x/var/d","valueCode":"4"}',
    ]


def test_reordering_is_a_change_but_a_shift_is_not() -> None:
    swapped = eob()
    swapped["extension"][0], swapped["extension"][2] = (
        swapped["extension"][2],
        swapped["extension"][0],
    )
    assert rendered(eob(), swapped) == ["extension: order a, b, c -> c, b, a"]
    shifted = eob()
    shifted["extension"].insert(0, {"url": "https://x/var/z", "valueCode": "0"})
    assert [c.kind for c in field_changes(eob(), shifted)] == ["added"]
    repeated = eob()
    repeated["extension"].insert(1, dict(repeated["extension"][0]))
    assert [c.kind for c in field_changes(eob(), repeated)] == ["added"]


def test_list_order_outside_extensions_is_by_index() -> None:
    new = eob()
    new["item"] = new["item"][::-1]
    changes = field_changes(eob(), new)
    assert changes and {c.kind for c in changes} == {"changed"}
    assert changes[0].path == "item[0].net.value"


def test_placeholder_on_the_snapshot_side_accepts_any_value() -> None:
    stored = eob()
    stored["status"] = "IGNORED_FIELD"
    stored["extension"][1]["valueCoding"] = "IGNORED_FIELD"
    new = eob()
    new["extension"][1]["valueCoding"] = {"code": "99", "system": "s"}
    assert field_changes(stored, new) == []
    # Not the other way round: the received side saying IGNORED_FIELD is a change.
    assert rendered(new, stored)[0].endswith('-> "IGNORED_FIELD"')


def test_render_limits_and_truncates() -> None:
    changes = [FieldChange("changed", f"item[{n}].x", "a" * 200, n) for n in range(70)]
    lines = render_changes(changes, limit=60)
    assert lines[0].startswith("70 fields differ")
    assert len(lines) == 62 and lines[-1] == "… and 10 more"
    assert len(lines[1]) < 120 and "…" in lines[1]


def test_extension_matches_and_diff_lines_agree() -> None:
    ext = FhirSnapshotExtension()
    stored = ext.serialize(eob())
    assert stored == canonical_json(eob())
    changed = copy.deepcopy(eob())
    changed["item"][0]["net"]["value"] = 2.5
    received = ext.serialize(changed)
    assert ext.matches(serialized_data=stored, snapshot_data=stored)
    assert not ext.matches(serialized_data=received, snapshot_data=stored)
    lines = list(ext.diff_lines(received, stored))
    assert lines == [
        "1 field differs (- snapshot only, + received only, old -> new):",
        "item[0].net.value: 1.0 -> 2.5",
    ]
    assert next(ext.diff_lines(received, "{not json")).startswith("no field-level view")


def variants() -> list[tuple[dict, dict]]:
    base = eob()
    pairs = []
    for edit in (
        lambda d: None,
        lambda d: d["extension"].reverse(),
        lambda d: d["extension"].pop(1),
        lambda d: d["item"][3]["net"].update(value=4),  # float 4.0 -> int 4
        lambda d: d.update(status="IGNORED_FIELD"),
        lambda d: d["item"].append({}),
        lambda d: d["extension"][0].update(valueCode=True),
        lambda d: d["extension"].insert(1, {"url": "https://x/var/n", "valueCode": "9"}),
        lambda d: d["extension"][1]["valueCoding"].update(code="5", display="five"),
        lambda d: d["item"][4]["net"].pop("value"),
        lambda d: d["item"].insert(2, {"sequence": 0}),
    ):
        changed = copy.deepcopy(base)
        edit(changed)
        pairs += [(base, changed), (changed, base)]
    return pairs


def test_equivalent_agrees_with_field_changes() -> None:
    for stored, received in variants():
        assert equivalent(stored, received) == (field_changes(stored, received) == [])
    assert sum(equivalent(a, b) for a, b in variants()) == 3  # identical twice + one placeholder


def test_pruning_equal_branches_does_not_change_the_report(monkeypatch) -> None:
    from bbmigrate.snapshot import changes

    pruned = [field_changes(a, b) for a, b in variants()]
    monkeypatch.setattr(changes, "_pruned", lambda old, new: (old, new))
    assert pruned == [field_changes(a, b) for a, b in variants()]
    assert sum(map(len, pruned)) > 20


def test_changes_repeated_across_a_list_share_one_line() -> None:
    old, new = eob(), eob()
    for n in (1, 2, 3, 7):
        new["item"][n]["net"]["currency"] = "USD"
    new["item"][5]["net"]["value"] = 0.5
    lines = render_changes(field_changes(old, new))
    assert lines == [
        "5 fields differ (- snapshot only, + received only, old -> new):",
        '+ item[1..3, 7].net.currency: "USD"',
        "item[5].net.value: 6.0 -> 0.5",
    ]


def test_a_dict_left_with_only_equal_keys_reports_the_removed_key() -> None:
    old = {"identifier": [{"system": "s", "value": "v", "type": {"text": "t"}}]}
    new = {"identifier": [{"system": "s"}]}
    assert rendered(old, new) == [
        '- identifier[0].type: {"text":"t"}',
        '- identifier[0].value: "v"',
    ]
