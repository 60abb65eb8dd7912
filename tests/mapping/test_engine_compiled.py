"""Rules compiled into closures (``map_resource``) build byte for byte what the interpreter builds.

The interpreter (``ops.apply`` over the rules) is what ``map_with_provenance`` runs; plain
mapping runs the compiled rules. Both are compared without sorting keys, so key order counts.
"""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path

import orjson
import pytest

from bbmigrate.mapping import engine, load_mappings, map_resource
from bbmigrate.mapping.context import Link
from bbmigrate.mapping.engine import prune
from bbmigrate.mapping.loader import load_from
from bbmigrate.mapping.shapes import plain, reshape_money
from bbmigrate.mapping.valueops import checked_copy, has_empty
from bbmigrate.resources import mappings_dir

from .engine_pair import both, rule_errors, sample_resources
from .perturb import Perturber

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _inputs(bfd_responses: Path) -> list[dict]:
    paths = sorted(p for p in (bfd_responses / "v1").glob("*.json") if p.stem != "metadata")
    paths += sorted(p for p in SAMPLES.glob("*/v1/*.json") if p.stem != "userinfo")
    return [orjson.loads(p.read_bytes()) for p in paths]


def _roughen(value, depth=0):
    """The same document with empty strings/objects/lists and nulls sprinkled in."""
    if isinstance(value, dict):
        out = {k: _roughen(v, depth + 1) for k, v in value.items()}
        if depth and len(out) % 3 == 0:
            out["zzEmpty"] = "" if depth % 2 else {}
        return out
    if isinstance(value, list):
        return [_roughen(v, depth + 1) for v in value] + ([None] if len(value) > 2 else [])
    return value


@pytest.mark.reference
@pytest.mark.parametrize("quirks", [True, False])
def test_compiled_and_interpreted_rules_give_the_same_bytes(bfd_responses, monkeypatch, quirks):
    mapping = load_mappings(quirks=quirks)
    docs = _inputs(bfd_responses)
    assert len(docs) >= 12
    for i, doc in enumerate(docs):
        variants = [doc, Perturber(i).pair(doc, {})[0], _roughen(doc)]
        for n, variant in enumerate(variants):
            compiled, interpreted = both(variant, mapping, monkeypatch)
            assert compiled == interpreted, (doc.get("resourceType"), doc.get("id"))
            # Equal error texts would pass the line above: real and perturbed inputs must map.
            if n < 2:
                assert not compiled.startswith(b"error:"), (doc.get("id"), compiled[:200])


def test_a_failing_compiled_rule_is_named_like_an_interpreted_one(monkeypatch):
    eob_type = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
    clm_id = "https://bluebutton.cms.gov/resources/variables/clm_id"
    top = {  # meta copied as a string, then meta.profile written under it
        "resourceType": "ExplanationOfBenefit",
        "id": "carrier-1",
        "meta": "not an object",
        "type": {"coding": [{"system": eob_type, "code": "CARRIER"}]},
    }
    # an identifier's type copied as a string, then type.coding[+] written under it
    nested = {**top, "meta": {}, "identifier": [{"system": clm_id, "type": "not an object"}]}
    for doc, rule_id in ((top, "eob.profile"), (nested, "eob.identifier.type")):
        messages = rule_errors(doc, monkeypatch)
        assert messages[0] == messages[1]
        assert f"rule {rule_id} (" in messages[0] and "\n" not in messages[0]


PATIENT_RULES = """resource: Patient
note: Rules that read variables set while mapping (route key and row, bind).
vars:
  prefix: "P-"
  proto: {system: "urn:x", code: c}
rules:
  - {id: t.id, op: copy, v1: id, v2: id, note: n}
  - {id: t.static, op: constant, v2: "meta.tag[+]", value: "${proto}", note: n}
  - {id: t.empty, op: constant, v2: language, value: "${missing}", note: n}
  - id: t.ext
    op: route
    v1: "extension[*]"
    key: url
    table: t-ext
    note: n
    routes:
      default:
        v2: "extension[+]"
        rules: [{id: t.ext.copy, op: copy, v1: "@", v2: "@", note: n}]
      tagged:
        v2: "identifier[type.text=${key}]"
        rules:
          - {id: t.ext.label, op: constant, v2: value, value: "${prefix}${row.label}", note: n}
          - {id: t.ext.system, op: copy, v1: valueString, v2: system, note: n}
          - {id: t.ext.coding, op: constant, v2: "type.coding[+]", value: "${row.coding}", note: n}
      gone:
        drop: "not sent"
  - id: t.names
    op: each
    v1: "name[*]"
    v2: "name[+]"
    bind: {fam: family}
    note: n
    rules:
      - {id: t.names.copy, op: copy, v1: "@", v2: "@", except: [family], note: n}
      - {id: t.names.text, op: constant, v2: text, value: "Dear ${fam}", note: n}
      - {id: t.names.tag, op: constant, v2: "extension[url=${fam}].valueString", value: x, note: n}
      - {id: t.names.when, op: constant, v2: use, value: official, when: "given", note: n}
      - {id: t.names.unless, op: constant, v2: suffix, value: ["Jr"], unless: "/gender", note: n}
"""
TABLE = """id: t-ext
note: test routes
rows:
  "urn:a": {route: tagged, label: A, coding: {system: "urn:s", code: a}}
  "urn:b": {route: [tagged, default], label: B}
  "urn:c": gone
"""


def test_variables_set_while_mapping_are_filled_per_element(tmp_path, monkeypatch):
    root = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), root)
    (root / "patient.yaml").write_text(PATIENT_RULES)
    (root / "concepts" / "t-ext.yaml").write_text(TABLE)
    mapping = load_from(root)
    patient = {
        "resourceType": "Patient",
        "id": "9",
        "extension": [
            {"url": "urn:a", "valueString": "s-a"},
            {"url": "urn:b", "valueString": "s-b"},
            {"url": "urn:c", "valueString": "s-c"},
            {"url": "urn:z", "valueString": "s-z"},
        ],
        "name": [{"family": "Doe", "given": ["J"]}, {"family": "Roe"}],
    }
    compiled, interpreted = both(patient, mapping, monkeypatch)
    assert compiled == interpreted
    out = orjson.loads(compiled)
    assert out["identifier"] == [
        {
            "type": {"text": "urn:a", "coding": [{"system": "urn:s", "code": "a"}]},
            "value": "P-A",
            "system": "s-a",
        },
        {"type": {"text": "urn:b"}, "value": "P-B", "system": "s-b"},
    ]
    assert [e["url"] for e in out["extension"]] == ["urn:b", "urn:z"]
    assert [n["text"] for n in out["name"]] == ["Dear Doe", "Dear Roe"]
    assert [n["extension"][0]["url"] for n in out["name"]] == ["Doe", "Roe"]
    assert [n.get("use") for n in out["name"]] == ["official", None]
    assert all(n["suffix"] == ["Jr"] for n in out["name"])
    assert out["meta"]["tag"] == [{"system": "urn:x", "code": "c"}]
    assert "language" not in out  # "${missing}" is empty and pruned
    # the copies handed out for a constant are fresh: changing one output leaves the next alone
    out1 = map_resource(copy.deepcopy(patient), mappings=mapping)
    out1["meta"]["tag"][0]["code"] = "changed"
    out1["identifier"][0]["type"]["coding"][0]["code"] = "changed"
    out2 = map_resource(copy.deepcopy(patient), mappings=mapping)
    assert out2["meta"]["tag"][0]["code"] == "c"
    assert out2["identifier"][0]["type"]["coding"][0]["code"] == "a"


@pytest.mark.parametrize(
    "doc",
    [
        {"a": {"b": "", "c": [None, {}, []], "d": "x"}, "e": "", "f": None, "g": 0, "h": False},
        {"a": {"text": 'looks like {} and [] and null and ""'}, "b": [1, 2], "z": 0.0},
        {"a": [{"b": {"c": {}}}], "k": [[], [[]]], "s": "keep"},
        {"amount": {"value": 1, "system": "urn:iso:std:iso:4217", "code": "USD"}, "n": math.nan},
        {"amount": {"system": "urn:iso:std:iso:4217", "code": ""}, "x": [0, False]},
        {"a": [{"b": [{"c": "deep"}, {"d": None}]}]},
    ],
)
def test_copies_note_an_empty_element_exactly_when_prune_would_remove_one(doc):
    for money, reference in ((True, reshape_money), (False, plain)):
        found: list = []
        copied = checked_copy(doc, money, found)
        assert repr(copied) == repr(reference(doc))
        pruned = prune(_clone(copied))
        assert bool(found) == (repr(pruned) != repr(copied)), (money, found)
        assert has_empty(copied) == bool(found)


def test_links_and_empty_lists_count_as_empty():
    assert has_empty([Link("careTeam", old=1)]) and has_empty({"a": [[]]})
    assert not has_empty({"a": [0, False, "x", {"b": 0.0}]})


@pytest.mark.reference
def test_a_clean_output_is_not_walked_again(bfd_responses, monkeypatch):
    walks = []
    monkeypatch.setattr(engine, "prune", lambda value: walks.append(value) or value)
    for name in ("eobReadInpatient", "eobReadCarrier", "patientRead"):
        doc = orjson.loads((bfd_responses / "v1" / f"{name}.json").read_bytes())
        out = map_resource(doc)
        assert not walks, name
        assert "" not in out.values()  # carrier's empty subType is pruned where it was written


def _clone(value):
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def test_a_lookup_dropping_an_unknown_code_maps_alike_in_both_engines(monkeypatch):
    """``default: drop`` on an unknown code: the interpreter once built the consumed path of
    the dropped value without tracking (``rel`` is None there) and failed where the generated
    rules mapped the EOB."""
    eob_type = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
    doc = {
        "resourceType": "ExplanationOfBenefit",
        "id": "carrier-2",
        "type": {"coding": [{"system": eob_type, "code": "CARRIER"}]},
        "careTeam": [
            {
                "sequence": 1,
                "provider": {"identifier": {"system": "urn:unknown:system", "value": "123"}},
            }
        ],
    }
    compiled, interpreted = both(doc, load_mappings(), monkeypatch)
    assert compiled == interpreted
    assert not compiled.startswith(b"error:") and b'"123"' in compiled


_SWAPS = [None, "", "x", 0, 1.5, True, {}, [], {"a": 1}, ["y"]]


def _swapped(doc: dict, rnd) -> dict:
    """``doc`` with one to four of its values (any depth) replaced by a value of another type."""
    doc = copy.deepcopy(doc)
    slots: list = []

    def walk(value):
        keys = value.keys() if isinstance(value, dict) else range(len(value))
        for key in list(keys):
            if key != "resourceType":
                slots.append((value, key))
            if isinstance(value[key], dict | list):
                walk(value[key])

    walk(doc)
    for _ in range(rnd.randint(1, 4)):
        container, key = rnd.choice(slots)
        container[key] = rnd.choice(_SWAPS)
    return doc


def test_both_engines_agree_on_values_of_the_wrong_type(monkeypatch):
    """Type-swapped sample resources (derandomised): same bytes or the same error text."""
    import random

    rnd = random.Random(20261206)
    docs = sample_resources()
    mapping = load_mappings()
    mapped = 0
    for _ in range(200):
        compiled, interpreted = both(_swapped(rnd.choice(docs), rnd), mapping, monkeypatch)
        assert compiled == interpreted
        mapped += not compiled.startswith(b"error:")
    assert mapped > 100  # most swaps leave a mappable resource: the bytes are compared
