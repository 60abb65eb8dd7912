"""Shortcuts the generated code takes since round 5 (issue #13), each against what it replaces.

* a write whose first field no earlier rule of the element (or, at the top, of the resource)
  can have written builds its new entry at once; a field written again, a ``@`` merge, a ``/``
  target of a nested rule and a route's backlink all make the next write take the general way;
* ``copy @ except [...]`` into ``@`` merges field by field (``merge_copy``) instead of copying the
  object and merging the copy;
* which rule failed is read from the line it failed on (no per-rule bookkeeping);
* a copy to a plain field is one ``copy_write`` call (copy, store as ``assign`` does, mark);
* input fields are read with the str objects orjson gives for keys (found by identity);
* readers: ``first_reader`` (one closure per step) and ``[sub=value]`` tests down lists without a
  generator give what :func:`~bbmigrate.mapping.paths.values` gives.
"""

from __future__ import annotations

import copy

import orjson
import pytest

from bbmigrate.mapping import codegen, map_resource
from bbmigrate.mapping.access import first_reader, reader
from bbmigrate.mapping.codegen import source_of
from bbmigrate.mapping.loader import load_from
from bbmigrate.mapping.paths import any_equal, compile_path, equals, values
from bbmigrate.mapping.valueops import checked_copy, checked_copy_except, copy_write, merge_copy
from bbmigrate.mapping.write import assign, merge
from bbmigrate.resources import mappings_dir

from .engine_pair import both, patient_mapping, rule_errors

RULES = """resource: Patient
note: Writes to fields written before, by this element's rules or by nested ones.
vars:
  proto: {relationship: {text: slice}}
rules:
  - {id: s.id, op: copy, v1: id, v2: id, note: n}
  - {id: s.tag, op: constant, v2: "meta.tag[+]", value: {code: first}, note: n}
  - {id: s.tag2, op: constant, v2: "meta.tag[+]", value: {code: second}, note: n}
  - id: s.names
    op: each
    v1: "name[*]"
    v2: "name[+]"
    note: n
    rules:
      - {id: s.names.use, op: constant, v2: use, value: official, note: n}
      - {id: s.names.copy, op: copy, v1: "@", v2: "@", except: [family], note: n}
      - {id: s.names.use2, op: constant, v2: use, value: usual, note: n}
      - {id: s.names.period, op: copy, v1: family, v2: "period.start", note: n}
      - {id: s.names.root, op: constant, v2: "/language", value: xx, note: n}
  - {id: s.lang, op: constant, v2: language, value: en, note: n}
  - id: s.ext
    op: route
    v1: "extension[*]"
    key: url
    table: s-ext
    note: n
    routes:
      default:
        v2: "contact[+]"
        backlink: communication
        rules: [{id: s.ext.url, op: copy, v1: url, v2: "name.text", note: n}]
  - {id: s.photo, op: constant, v2: "photo[+]", value: {title: after}, note: n}
  - {id: s.back, op: constant, v2: "communication[+]", value: 9, note: n}
  - {id: s.slice, op: constant, v2: "contact[~proto]", value: {gender: other}, note: n}
  - {id: s.slice2, op: copy, v1: gender, v2: "contact[~proto].name.text", note: n}
  - {id: s.money, op: copy, v1: "@", v2: "@", except: [id, name, extension, telecom], note: n}
  - {id: s.telecom, op: copy, v1: "telecom[*]", v2: "telecom[+]", note: n}
  - {id: s.third, op: copy, v1: gender, v2: "telecom[0].system", note: n}
"""
TABLE = 'id: s-ext\nnote: routes\nrows:\n  "urn:a": default\n'


@pytest.fixture
def mapping(tmp_path):
    return patient_mapping(tmp_path, RULES, {"s-ext": TABLE})


def test_writes_after_earlier_writes_match_the_interpreter(mapping, monkeypatch):
    money = {"value": 5, "system": "urn:iso:std:iso:4217", "code": "USD", "currency": "x"}
    patient = {
        "resourceType": "Patient",
        "id": "7",
        "name": [
            {"family": "Doe", "use": "old", "given": ["A"], "period": {"end": "2000"}},
            {"family": "", "text": ""},
        ],
        "extension": [{"url": "urn:a"}, {"url": "urn:b"}],
        "photo": [{"title": "before"}],
        "active": money,
        "telecom": [{"value": "1"}],
        "gender": "phone",
    }
    compiled, interpreted = both(patient, mapping, monkeypatch)
    assert compiled == interpreted
    out = orjson.loads(compiled)
    assert out["meta"] == {"tag": [{"code": "first"}, {"code": "second"}]}
    # a name's use is written three times (constant, merged copy, constant): last one wins
    assert [n["use"] for n in out["name"]] == ["usual", "usual"]
    assert out["name"][0]["period"] == {"end": "2000", "start": "Doe"}
    # a nested rule's "/language" came first: the top-level constant replaces it
    assert out["language"] == "en"
    # a first write, then the merged copy of the whole patient extends the list
    assert out["photo"] == [{"title": "after"}, {"title": "before"}]
    assert out["communication"] == [9]  # after the route's backlinks (dangling: dropped)
    # the slice like the prototype is made once, then found again
    slices = [c for c in out["contact"] if "relationship" in c]
    assert slices == [
        {"relationship": {"text": "slice"}, "gender": "other", "name": {"text": "phone"}}
    ]
    # the merged copy reshapes Money in place of the currency field it had
    assert out["active"] == {"value": 5, "currency": "USD"}
    assert out["telecom"] == [{"value": "1", "system": "phone"}]


def test_only_first_writes_skip_the_general_way(mapping):
    rmap = mapping.for_resource("Patient")
    source = source_of(mapping, rmap)
    # a copy to a field is one call that stores as assign() does; constants keep the split
    assert "copy_write(dst, 'id', src[F_id], True, ctx.maybe_empty)" in source
    # a nested rule may have written it: the general way
    assert "if type(dst) is dict and 'language' not in dst: dst['language'] = " in source
    assert "target['use'] = " in source  # first write of an element's field
    assert source.count("merge_copy(target, elem") == 1


@pytest.mark.parametrize(
    ("value", "skip"),
    [
        ({"a": {"b": ""}, "c": [None, {}], "d": "x", "e": 0, "f": None}, {"d"}),
        ({"system": "urn:iso:std:iso:4217", "code": "USD", "value": 1}, {"x"}),
        ({"currency": "old", "value": 1, "system": "urn:iso:std:iso:4217", "code": ""}, set()),
        ({"system": "urn:iso:std:iso:4217", "code": "USD", "currency": {"a": 1}}, {"currency"}),
        ({"system": "urn:iso:std:iso:4217", "code": "USD"}, {"code"}),
        ({"a": [{"b": 1}], "m": {"system": "urn:iso:std:iso:4217", "code": "E"}}, {"z"}),
        ({"only": 1}, {"only"}),
        ({"a": {"b": {"c": [], "d": 1}}, "m": {"value": {}, "currency": ""}}, set()),
        # lists onto lists (extended in place), and Money's currency, which is its code
        ({"system": "urn:iso:std:iso:4217", "code": "USD", "currency": [1], "c": [2]}, set()),
    ],
)
@pytest.mark.parametrize(
    "before",
    [
        {},
        {"a": {"x": 1}, "c": [9], "currency": "z", "value": 2},
        {"a": {"b": {"q": 1}}, "m": {"value": 3, "currency": {"k": 1}}, "currency": {"y": 1}},
        {"c": [0, {}], "currency": [0], "a": []},
    ],
)
@pytest.mark.parametrize("money", [True, False])
def test_merge_copy_is_merge_of_the_copy(value, skip, before, money):
    skip = frozenset(skip)
    found: list = []
    expected = copy.deepcopy(before)
    copied = checked_copy_except(value, skip, money, found)
    if copied:
        merge(expected, copied)
    got_found: list = []
    got = copy.deepcopy(before)
    wrote = merge_copy(got, value, skip, money, got_found)
    assert orjson.dumps(got) == orjson.dumps(expected)
    assert wrote == bool(copied) and bool(got_found) == bool(found)


def test_the_failing_rule_is_told_by_its_line(mapping, monkeypatch):
    patient = {"resourceType": "Patient", "id": "7", "telecom": [{"value": "1"}]}
    patient["gender"] = {"not": "a string"}  # telecom[0].system gets an object: fine
    patient["telecom"] = "text"  # telecom[0] of a string: rule s.third fails
    messages = rule_errors(patient, monkeypatch, mapping)
    assert messages[0] == messages[1]
    assert "rule s.third (copy)" in messages[0]


DOC = {
    "a": [
        {"b": {"c": 1, "t": {"code": "x"}}},
        {"b": [{"x": 0}, {"c": None, "t": [{"code": "y"}, {"code": 2}]}, {"c": 3}]},
        [{"b": {"c": 4, "t": [[{"code": "z"}]]}}],
        "text",
    ],
    "n": {"m": [1, [2, 3]]},
}
PATHS = (
    "a.b.c", "a.b", "a", "a.x", "a[*].b[*].c", "a[1].b[2].c", "a.b[t.code=y].c", "a.b[t.code=2]",
    "a.b[t.code=z].c", "a[0]", "n.m[*]", "n.m[1]", "a.b[*].t[*].code", "missing[*]",
)  # fmt: skip


@pytest.mark.parametrize("text", PATHS)
def test_readers_give_what_values_gives(text):
    path = compile_path(text)
    found = values(DOC, path)
    assert first_reader(path, "none")(DOC) == (found[0] if found else "none")
    assert list(reader(path)(DOC)) == found
    if "[" not in text:  # as the test of a ``[sub=value]`` selector
        where = compile_path(f"w[{text}=3]")
        assert list(reader(where)({"w": [DOC, DOC]})) == [
            DOC for _ in range(2) if any(equals(v, "3") for v in found)
        ]


@pytest.mark.parametrize(
    ("text", "want"),
    [("a.b.c", "3"), ("a.b.c", "5"), ("a.b.t.code", "z"), ("a.b.t.code", "2"), ("n.m", "[2, 3]")],
)
def test_any_equal_down_lists_is_any_of_the_values(text, want):
    path = compile_path(text)
    assert any_equal(DOC, path, want) == any(equals(v, want) for v in values(DOC, path))


KEYED = """resource: Patient
note: A route whose branch constants read the key (input) and the row (mapping files).
rules:
  - {id: k.ext, op: route, v1: "extension[*]", key: url, table: s-ext, note: n, routes: {
      default: {v2: "identifier[+]", rules: [
        {id: k.ext.key, op: constant, v2: "type", value: {text: "${key}"}, note: n},
        {id: k.ext.row, op: constant, v2: "period", value: {start: "${row.route}"}, note: n}]}}}
"""


def test_input_data_in_a_route_constant_is_never_turned_into_code(tmp_path, monkeypatch):
    table = 'id: s-ext\nnote: routes\nrows:\n  "urn:a": {route: default}\n'
    mapping = patient_mapping(tmp_path, KEYED, {"s-ext": table})
    hostile = "urn:'+__import__('os').getcwd()+'"
    made = []
    real = codegen.constant_maker
    monkeypatch.setattr(codegen, "constant_maker", lambda value: made.append(value) or real(value))
    patient = {"resourceType": "Patient", "extension": [{"url": hostile}, {"url": "urn:a"}] * 2}
    out = map_resource(copy.deepcopy(patient), mappings=mapping)
    assert [i["type"]["text"] for i in out["identifier"]] == [hostile, "urn:a"] * 2
    assert {"start": "default"} in made  # the row's constant, from the mapping files
    assert not any("urn:" in repr(value) for value in made)  # no key, hostile or not


@pytest.mark.parametrize(
    "value",
    [
        "x",
        "",
        None,
        0,
        False,
        2.5,
        {"a": {"b": ""}},
        {"value": 1, "system": "urn:iso:std:iso:4217", "code": "USD"},
        [{"a": 1}, []],
        {},
    ],
)
@pytest.mark.parametrize("before", [{}, {"k": {"x": 1}}, {"k": [1]}, {"k": "old"}])
def test_copy_write_is_the_copy_the_store_and_the_mark_it_replaces(value, before):
    for money in (True, False):
        dst, marks = copy.deepcopy(before), []
        copy_write(dst, "k", value, money, marks)
        want, found = copy.deepcopy(before), []
        copied = checked_copy(value, money, found)
        assign(want, "k", copied)
        empty = bool(found) or copied in ("", None, {}, [])
        assert dst == want
        assert marks == ([(dst, "k")] if empty else [])
        if isinstance(value, (dict, list)) and "k" not in before:
            assert dst["k"] is not value  # a copy: the input is never shared with the output


def test_input_fields_are_read_with_the_key_objects_orjson_gives(mapping):
    eob = load_from(mappings_dir())
    run = codegen.compiled_rules(eob, eob.for_resource("ExplanationOfBenefit", "carrier"))
    source = run.__bbmigrate_source__
    assert "if F_diagnosis in src:" in source and "'diagnosis' in src" not in source
    parsed = orjson.loads(b'{"diagnosis": [], "system": "x"}')
    for key in parsed:  # the very objects, not equal copies: dict lookups match by identity
        assert run.__globals__[f"F_{key}"] is key
