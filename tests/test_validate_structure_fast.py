"""Skipping the R4B model when the JSON walk vouches for a resource changes no finding.

Layer 1 is run with and without the shortcut on every official example, every reference v2
resource and copies broken in the ways the model catches (bad formats, unknown and
``_primitive`` keys, list-vs-object, nulls, two choices of one group, wrong JSON types) and in
the ways only the walk reports (missing elements, codes, ext-1), which do not need the model.
"""

from __future__ import annotations

import copy
import functools
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from validate_support import (
    examples,
    fill_placeholders,
    packages_dir,
    reference_resources,
    sample_resources,
)

from bbmigrate import map_resource
from bbmigrate.jsonio import read_json
from bbmigrate.validate import structure
from bbmigrate.validate.inputs import iter_resources
from bbmigrate.validate.r4_schema import model_class
from bbmigrate.validate.structure import check_structure, resource_model

EMULATOR_DATA = Path(__file__).resolve().parent / "emulator" / "data"

_BAD_VALUES = [
    "2024-13-45",
    "2024-01-01T25:00:00",
    "not a code ",
    " ",
    "bad id!",
    "urn:oid:x",
    "",
    1.5,
    -1,
    0,
    True,
    "true",
    None,
    {},
    [],
    {"x": 1},
]


def _spots(resource: Any) -> tuple[list[tuple[dict, str]], list[dict]]:
    primitives: list[tuple[dict, str]] = []
    objects: list[dict] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            objects.append(node)
            for key, value in node.items():
                if not isinstance(value, dict | list) and key != "resourceType":
                    primitives.append((node, key))
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(resource)
    return primitives, objects


def _broken(resource: dict, rng: random.Random) -> dict:
    mutant = copy.deepcopy(resource)
    primitives, objects = _spots(mutant)
    kind = rng.randrange(8)
    if kind <= 1 and primitives:
        node, key = rng.choice(primitives)
        node[key] = rng.choice(_BAD_VALUES)
        return mutant
    node = rng.choice(objects)
    keys = [k for k in node if k != "resourceType"]
    if kind == 2:
        node["bogusElement"] = "x"
    elif kind == 3 and keys:
        key = rng.choice(keys)
        node[f"_{key}"] = {"extension": [{"url": "http://example.org", "valueString": "y"}]}
    elif kind == 4 and keys:
        key = rng.choice(keys)
        value = node[key]
        node[key] = value[0] if isinstance(value, list) and value else [value]
    elif kind == 6 and keys:
        # Missing elements: required ones (and required choices) the walk reports itself.
        for key in rng.sample(keys, min(len(keys), rng.randint(1, 3))):
            del node[key]
    elif kind == 7:
        # A finding the model does not see (a code outside its value set, ext-1) beside a
        # missing element: the model must still not be needed, or must agree.
        target = rng.choice(objects)
        if "status" in target:
            target["status"] = "no-such-status"
        if "url" in target and "extension" not in target:
            target["extension"] = [{"url": "http://example.org/x", "valueString": "z"}]
        inner = [k for k in target if k not in ("resourceType", "id")]
        if inner:
            del target[rng.choice(inner)]
    else:
        # A second choice of the same group (value[x], serviced[x], timing[x]), else a null.
        for prefix, extra in (("value", "valueBoolean"), ("serviced", "servicedDate")):
            if any(k.startswith(prefix) and k != extra for k in keys):
                node[extra] = True if extra == "valueBoolean" else "2024-01-01"
                break
        else:
            node[rng.choice(keys) if keys else "id"] = None
    return mutant


def _findings(resource: dict, always_model: bool) -> list[tuple]:
    return [
        (f.path, f.rule, f.message, f.value)
        for f in check_structure(resource, label="x", source=None, always_model=always_model)
    ]


def _emulator_and_mapped(bfd_responses: Path) -> list[dict]:
    """The emulator's v1 and v2 data (BB2-like: v2 EOBs miss required elements) and the
    mapper's output for the reference v1 responses."""
    found = [
        resource
        for path in sorted(EMULATOR_DATA.glob("*/v[12]/*.json"))
        for resource, _ in iter_resources(str(path))
    ]
    for path in sorted((bfd_responses / "v1").glob("*.json")):
        v1 = fill_placeholders(read_json(path))
        if v1["resourceType"] != "CapabilityStatement":
            mapped = map_resource(v1)
            entries = mapped.get("entry", []) if mapped["resourceType"] == "Bundle" else []
            found += [e["resource"] for e in entries] or [mapped]
    return found


@pytest.mark.reference
def test_shortcut_gives_the_models_findings(bfd_responses, monkeypatch):
    packages_dir()
    originals = [*examples("1.1.0").values(), *examples("2.0.0").values()]
    originals += reference_resources(bfd_responses) + _emulator_and_mapped(bfd_responses)
    rng = random.Random(11)
    model_runs = []
    real = structure._model_findings
    monkeypatch.setattr(
        structure, "_model_findings", lambda *args: model_runs.append(1) or real(*args)
    )
    compared = broken = skipped_with_findings = 0
    for resource in sample_resources():
        assert _findings(resource, False) == _findings(resource, True), resource.get("id")
    for resource in originals:
        for one in [resource, *(_broken(resource, rng) for _ in range(10))]:
            del model_runs[:]
            fast = _findings(one, False)
            skipped = not model_runs
            full = _findings(one, True)
            assert fast == full, one.get("id")
            compared += 1
            broken += bool(full)
            skipped_with_findings += bool(full) and skipped
    assert compared > 500
    assert broken > compared / 3, "the mutations should mostly break something"
    # The shortcut is taken for findings the model would only repeat, not just for clean ones.
    assert skipped_with_findings > 30


@pytest.mark.reference
def test_model_is_skipped_for_a_clean_resource(monkeypatch):
    packages_dir()
    example = examples("2.0.0")["ExplanationOfBenefit-EOBInpatient1.json"]
    model = model_class(resource_model("ExplanationOfBenefit"))

    calls = []
    real = model.model_validate

    def counting(cls, *args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "model_validate", classmethod(counting))
    assert _findings(example, False) == []
    assert calls == []
    del example["insurer"], example["created"]  # reported by the walk; the model would repeat it
    assert {(path, rule) for path, rule, *_ in _findings(example, False)} == {
        ("ExplanationOfBenefit.insurer", "cardinality"),
        ("ExplanationOfBenefit.created", "cardinality"),
    }
    assert calls == []
    example["created"] = "2024-13-45"  # a date only the model's type rejects: the model must run
    assert [rule for _, rule, *_ in _findings(example, False)] == ["cardinality", "structure"]
    assert calls == [1]


# Hostile values where the walk now answers without the model: control characters, non-ASCII
# and whitespace-only text, 64-bit-and-past integers, floats, date-like strings.
_HOSTILE = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(max_codepoint=0x7F), max_size=12),
    st.from_regex(
        r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d:\d\d(\.\d{1,9})?([+-]\d\d:\d\d|Z)?)?)?)?", fullmatch=True
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(data=st.data())
def test_shortcut_holds_on_hostile_values(data):
    resource = copy.deepcopy(_fuzz_base())
    primitives, objects = _spots(resource)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        if data.draw(st.booleans()):
            node, key = data.draw(st.sampled_from(primitives))
            if key in node:
                node[key] = data.draw(_HOSTILE)
        else:
            node = data.draw(st.sampled_from(objects))
            keys = sorted(k for k in node if k != "resourceType")
            if keys:
                node.pop(data.draw(st.sampled_from(keys)))  # missing, required or not
    assert _findings(resource, False) == _findings(resource, True)


@functools.cache
def _fuzz_base() -> dict:
    """A BB2-like EOB of the emulator (all its primitive kinds, and missing elements)."""
    path = EMULATOR_DATA / "-88000000000001" / "v2" / "ExplanationOfBenefit.json"
    eobs = [resource for resource, _ in iter_resources(str(path))]
    return max(eobs, key=lambda eob: len(orjson.dumps(eob)))
