"""The grouped view every diff report leads with, CI-sized baseline output, JSON Lines."""

from __future__ import annotations

import copy
import json

from click.testing import CliRunner
from diff_data import EOB_V1, EOB_V2, PATIENT_V1, PATIENT_V2, write_beneficiary

from bbmigrate.cli import main
from bbmigrate.diff import diff_pairs, report_dict
from bbmigrate.diff.groups import EXAMPLES, pattern
from bbmigrate.diff.inputs import Pair
from bbmigrate.diff.render import render
from bbmigrate.diff.render_text import clip, fmt_pair, fmt_value


def run(*args):
    return CliRunner().invoke(main, ["diff", *map(str, args)])


def _copies(n: int) -> list[Pair]:
    pairs = [Pair("Patient", PATIENT_V1["id"], PATIENT_V1, PATIENT_V2)]
    for k in range(n):
        v1, v2 = copy.deepcopy(EOB_V1), copy.deepcopy(EOB_V2)
        v1["id"] = v2["id"] = f"carrier-{k}"
        pairs.append(Pair("ExplanationOfBenefit", v1["id"], v1, v2))
    return pairs


def test_pattern_generalises_indexes_and_keeps_what_an_element_is():
    doc = {
        "item": [
            {"sequence": 1, "adjudication": [{"category": {"coding": [{"code": "x"}]}}]},
            {
                "sequence": 2,
                "adjudication": [
                    {"category": {"coding": [{"code": "a"}]}},
                    {"category": {"coding": [{"code": "b"}]}, "amount": {"value": 3}},
                ],
            },
        ]
    }
    # a claim line's sequence is not what it is; an adjudication's category is, and the
    # pattern stops at that element (its amount, code and display are one change)
    assert pattern(doc, "item[1].adjudication[1].amount.value") == (
        "item[*].adjudication[category=b]"
    )
    assert pattern({"a": [{"b": 1}]}, "a[0].b") == "a[*].b"
    assert pattern(doc, None) is None


def test_one_group_per_element_change_across_resources():
    report = diff_pairs(_copies(5))
    data = report_dict(report)
    moved = next(
        g
        for g in data["groups"]
        if g["kind"] == "moved" and g["v2_pattern"].startswith("item[*].productOrService")
    )
    assert moved["v1_pattern"].startswith("item[*].service.coding[system=")
    assert moved["rule"] == "eob.item.service"
    assert moved["note"]  # the rule's note from the mapping files
    assert moved["resources"] == 5 and moved["leaves"] == 10
    assert len(moved["examples"]) == EXAMPLES
    assert {e["resource"] for e in moved["examples"]} <= {
        f"ExplanationOfBenefit/carrier-{k}" for k in range(5)
    }
    # every listed record is counted in exactly one group; same-as-v1 is counted, not listed
    listed = sum(n for k, n in data["summary"]["counts"].items() if k != "same")
    assert sum(g["leaves"] for g in data["groups"]) == listed
    assert all(g["kind"] != "same" for g in data["groups"])
    # JSON keeps every per-leaf record
    assert sum(len(r["changes"]) for r in data["resources"]) == sum(
        data["summary"]["counts"].values()
    )


def test_only_same_lists_the_same_groups():
    data = report_dict(diff_pairs(_copies(1)), only=frozenset({"same"}))
    assert data["groups"] and {g["kind"] for g in data["groups"]} == {"same"}


def test_baseline_text_is_ci_sized_and_fail_on_says_why(tmp_path):
    bene = write_beneficiary(tmp_path / "b1")
    baseline = tmp_path / "baseline.json"
    assert run(bene, "--format", "json", "-o", baseline).exit_code == 0
    same = run(bene, "--baseline", baseline, "--fail-on", "changed,removed,added")
    assert same.exit_code == 0
    assert same.stdout.splitlines() == [f"diff: 2 resources, 0 records not in baseline {baseline}"]
    changed = write_beneficiary(tmp_path / "b2", v2_changes={"status": "active"})
    result = run(changed, "--baseline", baseline, "--fail-on", "changed,removed,added")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("diff: 2 resources, 1 records not in baseline")
    records = [line for line in lines if line.lstrip().startswith("added ")]
    assert len(records) == 1 and "status" in records[0] and "NEW" in records[0]
    failure = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert failure == [
        f"diff: FAILED: 1 records not in baseline {baseline} in 1 resources (added 1); "
        "--fail-on added,changed,removed"
    ]


def _summary(counts: dict[str, int]) -> dict:
    """The summary of a report on one paired resource with these counts."""
    return {
        "mode": "diff",
        "left": "l",
        "right": "r",
        "resources": 1,
        "paired": 1,
        "only_left": 0,
        "only_right": 0,
        "counts": counts,
        "ignore_paths": [],
    }


def test_long_paths_keep_values_in_their_columns():
    assert clip("abcdefghij", 5) == "ab…ij" and clip("abc", 5) == "abc"
    long_path = "extension[0]." + "x" * 300
    data = {
        "summary": _summary({"removed": 2}),
        "groups": [],
        "resources": [
            {
                "resourceType": "Patient",
                "id": "1",
                "status": "paired",
                "counts": {},
                "changes": [
                    {
                        "kind": "removed",
                        "v1_path": long_path,
                        "v2_path": None,
                        "v1_value": "VALUE1",
                        "v2_value": None,
                    },
                    {
                        "kind": "removed",
                        "v1_path": "gender",
                        "v2_path": None,
                        "v1_value": "VALUE2",
                        "v2_value": None,
                    },
                ],
            }
        ],
    }
    text = render(data, "text", width=160, detail=True).decode()
    columns = {line.index("VALUE") for line in text.splitlines() if "VALUE" in line}
    assert len(columns) == 1  # both values start in the same column
    assert "…" in text and long_path not in text


def test_jsonl_has_every_record_then_groups_then_summary(tmp_path):
    bene = write_beneficiary(tmp_path / "b")
    out = tmp_path / "r.jsonl"
    assert run(bene, "--format", "jsonl", "-o", out).exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    data = json.loads(run(bene, "--json").stdout)
    records = [x for x in lines if x["type"] == "record"]
    assert len(records) == sum(len(r["changes"]) for r in data["resources"])
    assert len([x for x in lines if x["type"] == "group"]) == len(data["groups"])
    assert lines[-1]["type"] == "summary" and lines[-1]["counts"] == data["summary"]["counts"]


def test_groups_carry_the_variable_label_from_the_facts_file():
    # the same facts file the comparison tables read: one source for a variable's label
    from bbmigrate.tables.variables import load_variables

    labels = {name: f.label for f in load_variables() for name in f.names}
    groups = [g for g in report_dict(diff_pairs(_copies(1)))["groups"] if g.get("variable")]
    assert groups, "the toy claim has variables"
    for g in groups:
        assert g["label"] == labels[g["variable"]]


def test_remembered_patterns_are_the_patterns():
    # Grouper.add works each element's key and each path's head (up to its last index) out
    # once, while the documents are alive; the patterns must be those worked out afresh, for
    # every leaf of every resource of a sample and of a document with hostile key names.
    from bbmigrate.diff.groups import Patterns
    from bbmigrate.leaves import flatten
    from bbmigrate.resources import samples_dir
    from bbmigrate.validate.inputs import iter_resources

    beneficiary = samples_dir() / "-19990000009356"
    documents = [doc for side in ("v1", "v2") for doc, _ in iter_resources(beneficiary / side)]
    line = {"sequence": 1, "category": {"coding": [{"code": "c"}]}}
    documents.append(
        {
            "resourceType": "ExplanationOfBenefit",
            "a.b": [{"[0]": 1, "": {"x]": 2, "y[": [3, {"z": 4}]}}],
            "item": [dict(line, adjudication=[{"category": {"text": "t"}, "amount": {"v": 1}}])],
            "extension": [{"url": "u", "valueQuantity": {"value": 5}}, {"valueString": ""}],
            "[1]": {"..": [[{"url": "w"}], []]},
        }
    )
    patterns = Patterns()  # shared across all documents, as across v1, v2 and mapped
    seen = 0
    for document in documents:
        for leaf in flatten(document):
            assert patterns(document, leaf.path) == pattern(document, leaf.path), leaf.path
            assert patterns(document, leaf.path) == pattern(document, leaf.path)  # remembered
            seen += 1
    assert seen > 5_000 and len(patterns.keys) > 500 and len(patterns.heads) > 500
    assert patterns(documents[0], None) is None and patterns(documents[0], "") is None


_BASE = "https://bluebutton.cms.gov/resources/variables/" + "nch_clm_prvdr_pmt_amt/" * 3


def test_long_values_are_cut_where_they_differ():
    old, new = _BASE + "old-tail", _BASE + "new-tail"
    left, right = fmt_pair(old, new, 40)
    assert len(left) <= 40 and len(right) <= 40
    assert "old-tail" in left and "new-tail" in right  # a plain end cut showed the same text
    assert fmt_value(old, 40) == fmt_value(new, 40)  # what the plain cut loses
    # differing early, or one short value: exactly the plain cut
    assert fmt_pair("a" + _BASE, "b" + _BASE, 40) == (
        fmt_value("a" + _BASE, 40),
        fmt_value("b" + _BASE, 40),
    )
    assert fmt_pair(None, new, 40) == ("", fmt_value(new, 40))
    assert fmt_pair(old, old, 40) == (fmt_value(old, 40),) * 2  # a moved value: as before
    # one value the other's start: the longer one is shown where the shorter ends
    left, right = fmt_pair(_BASE, _BASE + "MORE", 40)
    assert right.endswith("MORE") and right.startswith("…")
    # a difference in the middle: marked on both sides
    middle = fmt_pair(_BASE + "X" + _BASE, _BASE + "Y" + _BASE, 40)
    assert all(t.startswith("…") and t.endswith("…") and len(t) == 40 for t in middle)
    assert "X" in middle[0] and "Y" in middle[1]


def test_reports_show_where_long_values_differ():
    pair = {"kind": "changed", "v1_path": "url", "v2_path": "url"}
    change = {**pair, "v1_value": _BASE + "old-tail", "v2_value": _BASE + "new-tail"}
    example = {"resource": "Patient/1", "old": change["v1_value"], "new": change["v2_value"]}
    data = {
        "summary": _summary({"changed": 1}),
        "groups": [
            {
                "kind": "changed",
                "v1_pattern": "url",
                "v2_pattern": "url",
                "leaves": 1,
                "resources": 1,
                "examples": [example],
            }
        ],
        "resources": [
            {
                "resourceType": "Patient",
                "id": "1",
                "status": "paired",
                "counts": {},
                "changes": [change],
            }
        ],
    }
    for fmt in ("text", "markdown", "html"):
        out = render(data, fmt, width=160, detail=True).decode()
        # grouped examples and per-leaf rows both show the differing tails
        assert out.count("old-tail") >= 2 and out.count("new-tail") >= 2, fmt
