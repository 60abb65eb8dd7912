"""Shapes the generated code handles itself since round 4 (issue #13): each gives the same bytes
as the interpreter, and the values the rules say.

Route-row constants in a nested ``each`` (filled once per key), a lookup whose rows depend on
whether the element is linked, a prototype slice found again, a guard on a value at plain
fields, and ``renumber`` with a rank table that misses some codes.
"""

from __future__ import annotations

import shutil

import orjson

from bbmigrate.mapping.loader import load_from
from bbmigrate.resources import mappings_dir

from .engine_pair import both

RULES = """resource: Patient
note: Shapes the generated code handles inline.
vars:
  proto: {system: "urn:slice", code: s}
rules:
  - {id: g.id, op: copy, v1: id, v2: id, note: n}
  - id: g.ext
    op: route
    v1: "extension[*]"
    key: url
    table: g-ext
    note: n
    routes:
      default:
        v2: "extension[+]"
        rules: [{id: g.ext.copy, op: copy, v1: "@", v2: "@", note: n}]
      nested:
        v2: "contact[+]"
        rules:
          - {id: g.ext.head, op: constant, v2: "relationship[+]", value: "${row.coding}", note: n}
          - id: g.ext.each
            op: each
            v1: "valueCodeableConcept.coding[*]"
            v2: "name.given[+]"
            note: n
            rules:
              - {id: g.ext.each.code, op: copy, v1: code, v2: code, note: n}
              - {id: g.ext.each.key, op: constant, v2: "@", value: {text: "${key}"}, note: n}
              - id: g.ext.each.label
                op: constant
                v2: "extension[+]"
                value: {url: "${row.label}"}
                note: n
      sliced:
        v2: "/identifier[~proto].extension[+]"
        rules:
          - {id: g.ext.slice.url, op: copy, v1: url, v2: url, note: n}
  - id: g.team
    op: each
    v1: "link[*]"
    v2: "communication[+]"
    unless: "other.display=skip me"
    note: n
    rules:
      - id: g.team.role
        op: lookup
        v1: type
        v2: "language.coding[+]"
        table: g-role
        linked_by: "contact[*].organization.reference"
        default: {code: "${value}"}
        note: n
      - {id: g.team.seq, op: copy, v1: sequence, v2: preferred, note: n}
finalize:
  - id: g.order
    op: renumber
    v2: communication
    order: language.coding.code
    table: g-rank
    field: sequence
    note: n
"""


def _tables(root) -> None:
    (root / "concepts" / "g-ext.yaml").write_text(
        "id: g-ext\nnote: routes\nrows:\n"
        '  "urn:n": {route: nested, label: N, coding: {system: "urn:r", code: rel}}\n'
        '  "urn:s": sliced\n'
    )
    (root / "concepts" / "g-role.yaml").write_text(
        "id: g-role\nnote: roles\nrows:\n"
        '  "a|linked": {code: a-linked}\n'
        '  "a|unlinked": {code: a-alone}\n'
    )
    (root / "concepts" / "g-rank.yaml").write_text(
        'id: g-rank\nnote: ranks\nrows:\n  "a-alone": 2\n  "a-linked": 1\n'
    )


def test_generated_shapes_match_the_interpreter(tmp_path, monkeypatch):
    root = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), root)
    (root / "patient.yaml").write_text(RULES)
    _tables(root)
    mapping = load_from(root)
    coding = [{"code": "x"}, {"code": "y"}]
    patient = {
        "resourceType": "Patient",
        "id": "7",
        "extension": [
            {"url": "urn:n", "valueCodeableConcept": {"coding": coding}},
            {"url": "urn:s"},
            {"url": "urn:other", "valueString": "kept"},
            {"url": "urn:n", "valueCodeableConcept": {"coding": [{"code": "z"}]}},
            {"url": "urn:s"},
        ],
        "contact": [{"organization": {"reference": 2}}],
        "link": [
            {"sequence": 1, "type": "a"},
            {"sequence": 2, "type": "a"},
            {"sequence": 3, "type": "b"},
            {"sequence": 4, "type": "a", "other": {"display": "skip me"}},
        ],
    }
    compiled, interpreted = both(patient, mapping, monkeypatch)
    assert compiled == interpreted
    out = orjson.loads(compiled)
    # constants of a nested each read the route's key and row, filled once per key
    assert [c["relationship"] for c in out["contact"]] == [[{"system": "urn:r", "code": "rel"}]] * 2
    given = out["contact"][0]["name"]["given"]
    assert given == [
        {"code": "x", "text": "urn:n", "extension": [{"url": "N"}]},
        {"code": "y", "text": "urn:n", "extension": [{"url": "N"}]},
    ]
    # both "urn:s" extensions land in the one slice like the prototype
    assert out["identifier"] == [
        {"system": "urn:slice", "code": "s", "extension": [{"url": "urn:s"}, {"url": "urn:s"}]}
    ]
    # lookups by linked/unlinked row, default for an unknown code, the guarded link left out;
    # renumber sorts by the rank table (codes without a row last) and numbers 1..n
    found = [
        (c["language"]["coding"][0]["code"], c["preferred"], c["sequence"])
        for c in out["communication"]
    ]
    assert found == [("a-linked", 2, 1), ("a-alone", 1, 2), ("b", 3, 3)]
