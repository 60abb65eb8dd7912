"""Round 13 of issue #13: the compiled loops of ``each`` and ``route``, against the interpreter.

Generated code hands an unguarded ``each`` or ``route`` over a list of elements to one call
(:mod:`bbmigrate.mapping.loops`) that reads the route key and origin along plain fields, picks
the remembered plan and calls the builders; a guarded loop (or one that sets variables, links
back or inherits its origin) stays inline. A builder that only copies its element is a compiled
closure. The output must be what the interpreter builds, down to hostile shapes, and ``first``
(whose walk down plain objects now skips its generator) must give what ``values`` finds first,
and so must the v2-marker check (measured: a walk without value lists saved nothing there).
"""

from __future__ import annotations

import orjson
import pytest

from bbmigrate.mapping.codegen import source_of
from bbmigrate.mapping.paths import compile_path, first, values

from .engine_pair import both, patient_mapping, rule_errors

RULES = """resource: Patient
note: An unguarded route (multi-field key, origin) with a nested each sharing the branch's
  constants, an unguarded each with an origin, and a guarded each.
rules:
  - id: l.ext
    op: route
    v1: "extension[*]"
    key: "valueCoding.code"
    table: l-ext
    origin: "valueCoding.system"
    note: n
    routes:
      a:
        v2: "identifier[+]"
        rules:
          - {id: l.ext.key, op: constant, v2: "type.text", value: "${key}", note: n}
          - {id: l.ext.code, op: copy, v1: "valueCoding.code", v2: value, note: n}
          - id: l.ext.each
            op: each
            v1: "valueCoding.extension[*]"
            v2: "extension[+]"
            note: n
            rules: [{id: l.ext.each.url, op: copy, v1: url, v2: "url", note: n}]
      default:
        v2: "contact[+]"
        rules: [{id: l.ext.url, op: copy, v1: url, v2: "name.text", note: n}]
  - id: l.kept
    op: route
    v1: "extension[*]"
    key: "valueCoding.code"
    table: l-ext
    when: url
    note: n
    routes:
      a: {v2: "link[+]", rules: [{id: l.kept.url, op: copy, v1: url, v2: "type", note: n}]}
      default: {drop: "not linked"}
  - id: l.names
    op: each
    v1: "name[*]"
    v2: "name[+]"
    origin: family
    note: n
    rules: [{id: l.names.given, op: copy, v1: "given[*]", v2: "given[+]", note: n}]
  - id: l.photos
    op: each
    v1: "photo[*]"
    v2: "photo[+]"
    origin: title
    note: n
    rules: [{id: l.photos.copy, op: copy, v1: "@", v2: "@", except: [size], note: n}]
  - id: l.guarded
    op: each
    v1: "telecom[*]"
    v2: "telecom[+]"
    when: value
    note: n
    rules: [{id: l.guarded.v, op: copy, v1: value, v2: "value", note: n}]
  - {id: l.addr, op: copy, v1: "address[*]", v2: "address[+]", note: n}
  - {id: l.third, op: copy, v1: gender, v2: "address[0].text", note: n}
"""
TABLE = "id: l-ext\nnote: routes\nrows:\n  x1: a\n"


@pytest.fixture
def mapping(tmp_path):
    return patient_mapping(tmp_path, RULES, {"l-ext": TABLE})


def test_unguarded_loops_are_one_call_guarded_ones_stay_inline(mapping):
    source = source_of(mapping, mapping.for_resource("Patient"))
    calls = [line.strip() for line in source.splitlines() if "_build(ctx" in line]
    assert len([c for c in calls if c.startswith("route_build(")]) == 1
    # the guarded route stays a generated loop; its key of two fields is read by first_of
    assert source.count("= first_of(e") == 1
    # the top-level ones (with their origins) and the one nested in the branch (its constants)
    assert len([c for c in calls if c.startswith("each_build(")]) == 3
    assert any(c.startswith("each_build(") and c.endswith(", rc)") for c in calls)
    assert "F_telecom" in source and "if not ((F_value in e" in source  # the guard: inline
    # a builder that only copies its element (less some fields) is compiled, not generated
    lines = [line.strip() for line in source.splitlines()]
    after = lines[lines.index("if F_photo in src:") :]
    builder = next(line for line in after if line.startswith("each_build(")).split(", ")[3]
    assert builder.startswith("build") and f"def {builder}(" not in source


EXTENSIONS = [
    {"url": "u1", "valueCoding": {"system": "s1", "code": "x1", "extension": [{"url": "e1"}]}},
    # the key's first object has no code: found depth first in the next one
    {"url": "u2", "valueCoding": [{"system": "s0"}, {"code": "x1", "system": "s2"}]},
    {"url": "u3", "valueCoding": [[{"code": "x1"}], {"code": "zz"}]},  # a list in a list
    {"url": "u4", "valueCoding": {"code": {"not": "text"}}},  # a key that is no text
    {"url": "u5", "valueCoding": {"code": ["x1"]}},
    "text",
    {"url": "u6"},
]


@pytest.mark.parametrize("extension", [*EXTENSIONS, EXTENSIONS, EXTENSIONS[0]])
def test_compiled_loops_build_what_the_interpreter_builds(mapping, monkeypatch, extension):
    patient = {
        "resourceType": "Patient",
        "extension": extension,
        "name": [{"family": "F", "given": ["a", "b"]}, {"given": "c"}, 5, {"family": ["x"]}],
        "telecom": [{"value": "1"}, {"system": "x"}, "t"],
        "photo": [{"title": "t", "size": 3, "data": ""}, "p", {}, {"size": 1}],
    }
    compiled, interpreted = both(patient, mapping, monkeypatch)
    assert compiled == interpreted
    out = orjson.loads(compiled)
    assert out["name"][0] == {"given": ["a", "b"]}
    assert out["photo"] == [{"title": "t"}]


def test_a_failure_after_the_loops_is_still_named_by_its_rule(mapping, monkeypatch):
    patient = {"resourceType": "Patient", "extension": EXTENSIONS, "gender": "g"}
    patient["address"] = "text"  # address[0] is a string: rule l.third fails
    messages = rule_errors(patient, monkeypatch, mapping)
    assert messages[0] == messages[1]
    assert "rule l.third (copy)" in messages[0]


NODES = [
    {"a": [{"b": {"c": 1}}, {"b": {"c": 2}}]},
    {"a": [{"x": 0}, {"b": [{"c": 3}]}]},  # the first element lacks b: depth first finds 3
    {"a": [{"b": [{"x": 0}, {"c": 4}]}]},  # so does the first b
    {"a": [[{"b": {"c": 5}}]]},  # a list in a list: the general walk
    {"a": {"b": {"c": [6, 7]}}},  # the value itself is a list
    {"a": {"b": "text"}},
    {"a": []},
    {"a": [None, {"b": {"c": 8}}]},
    ["not", "an", "object"],
    "text",
    {"a": {"b": {"c": None}}},
]


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("text", ["a.b.c", "a.b", "a", "a.x.c"])
def test_first_is_what_values_finds_first(node, text):
    path = compile_path(text)
    found = values(node, path)
    assert first(node, path, "none") == (found[0] if found else "none")


MARKED = [
    {"item": [{"productOrService": {}}]},
    {"item": [{"x": 1}, [{"productOrService": None}]]},  # a list in a list; a null still counts
    {"item": {"productOrService": "x"}},
    {"item": []},
    {"item": "text"},
    {"type": {"coding": [{"system": "urn:a"}, {"system": "https://x/claim-type"}]}},
    {"type": [{"coding": {"system": ["urn:a", "y/claim-type"]}}]},
    {"type": {"coding": [{"system": 5}, {"system": {"claim-type": 1}}]}},
    {"tags": [], "more": [["a"]], "some": ["claim-type"]},
]


@pytest.mark.parametrize("node", MARKED)
@pytest.mark.parametrize(
    "text",
    ["item.productOrService", "type.coding.system~claim-type", "tags[*]", "more[*]",
     "some[*]~claim", "item", "type.coding[*].system~urn"],
)  # fmt: skip
def test_v2_markers_are_what_values_finds(node, text, tmp_path):
    """A v2 marker holds when the values its path selects hold one (any value; with ``~text``,
    a text, or a list of texts, holding it), down hostile shapes."""
    from bbmigrate.mapping.detect import r4_marker

    detection = f"id: detection\nnote: n\nrows:\n  r4_markers:\n    Patient: [{text!r}]\n"
    mapping = patient_mapping(tmp_path, RULES, {"l-ext": TABLE, "detection": detection})
    path, _, want = text.partition("~")
    found = values(node, compile_path(path))
    texts = [t for v in found for t in (v if isinstance(v, list) else [v])]
    holds = bool(found) if not want else any(isinstance(t, str) and want in t for t in texts)
    assert (r4_marker({"resourceType": "Patient", **node}, mapping) == text) is holds
