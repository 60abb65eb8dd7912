"""Malformed resources give findings, never a crash: random JSON-shape mutations of real data."""

from __future__ import annotations

import copy
import random

import pytest
from validate_support import examples

from bbmigrate.validate import Validator

pytestmark = pytest.mark.reference
_ODD = [None, "", "x", 0, 1.5, True, [], {}, [None], [{}], {"a": 1}, ["x"], [[1]]]


def _paths(node, at=()):
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*at, index))


def test_random_shape_mutations_never_crash_the_validator():
    validator = Validator("2.0.0")
    corpus = list(examples("2.0.0").values()) + list(examples("1.1.0").values())
    rnd = random.Random(20261128)
    flagged = 0
    for _ in range(250):
        resource = copy.deepcopy(rnd.choice(corpus))
        for _ in range(rnd.randint(1, 3)):
            *parents, last = rnd.choice([p for p in _paths(resource) if p])
            node = resource
            for key in parents:
                node = node[key]
            node[last] = copy.deepcopy(rnd.choice(_ODD))
        result = validator.validate(resource)
        for finding in result.findings:
            assert finding.severity in ("error", "warning", "information")
            assert isinstance(finding.path, str) and finding.path
        flagged += any(f.severity == "error" for f in result.findings)
    # Not crashing is half of it: a validator that returned nothing would pass the loop. Most
    # of these mutations (null, "", [] or a wrong type somewhere) break the resource (247 do).
    assert flagged >= 225, flagged
