"""Skipping the R4B model when the JSON walk vouches for a resource changes no finding.

Layer 1 is run with and without the shortcut on every official example, every reference v2
resource and copies broken in the ways the model catches (bad formats, unknown and
``_primitive`` keys, list-vs-object, nulls, two choices of one group, wrong JSON types).
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from validate_support import examples, packages_dir, reference_resources, sample_resources

from bbmigrate.validate.structure import check_structure, resource_model

pytestmark = pytest.mark.reference

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
    kind = rng.randrange(6)
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


def test_shortcut_gives_the_models_findings(bfd_responses):
    packages_dir()
    originals = [*examples("1.1.0").values(), *examples("2.0.0").values()]
    originals += reference_resources(bfd_responses)
    rng = random.Random(11)
    compared = broken = 0
    for resource in sample_resources():
        assert _findings(resource, False) == _findings(resource, True), resource.get("id")
    for resource in originals:
        for one in [resource, *(_broken(resource, rng) for _ in range(10))]:
            fast, full = _findings(one, False), _findings(one, True)
            assert fast == full, one.get("id")
            compared += 1
            broken += bool(full)
    assert compared > 500
    assert broken > compared / 3, "the mutations should mostly break something"


def test_model_is_skipped_for_a_clean_resource(monkeypatch):
    packages_dir()
    example = examples("2.0.0")["ExplanationOfBenefit-EOBInpatient1.json"]
    model = resource_model("ExplanationOfBenefit")

    calls = []
    real = model.model_validate

    def counting(cls, *args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "model_validate", classmethod(counting))
    assert _findings(example, False) == []
    assert calls == []
    example["created"] = "2024-13-45"  # a date only the model's type rejects: the model must run
    assert [rule for _, rule, *_ in _findings(example, False)] == ["structure"]
    assert calls == [1]
