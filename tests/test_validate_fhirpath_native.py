"""The native FHIRPath closures give fhirpathpy's answer on every invariant evaluation.

Both evaluators run on every (invariant, path) the validator reaches in every official example,
every reference v2 resource and mutated copies of both; results (or error messages) must be
identical wherever the native side answers, and it must answer the large majority.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import pytest
from validate_support import examples, packages_dir, reference_resources, sample_resources

from bbmigrate.validate import Validator
from bbmigrate.validate import fhirpath_native as native


def _plain(result: list) -> list:
    return [getattr(item, "data", item) for item in result]


def _outcome(run) -> tuple[str, Any]:
    try:
        return "value", _plain(run())
    except (native.Unsupported, native.Fallback):
        raise
    except Exception as exc:  # an engine error is an outcome too: it becomes a warning
        return "error", str(exc)


class _Recorder:
    """Wraps a checker's ``_evaluate``: runs both evaluators and records every comparison."""

    def __init__(self, checker) -> None:
        self.checker = checker
        self.mismatches: list[str] = []
        self.tally: Counter[str] = Counter()
        self.answered: set[str] = set()
        checker._evaluate = self._evaluate

    def _evaluate(self, expression, type_path, value, is_root, variables) -> bool:
        theirs = _outcome(
            lambda: self.checker.evaluate_fhirpathpy(
                expression, type_path, value, is_root, variables
            )
        )
        try:
            ours = _outcome(lambda: self.checker.evaluate_native(expression, value, variables))
        except native.Unsupported:
            self.tally["unsupported"] += 1
        except native.Fallback:
            self.tally["fallback"] += 1
        else:
            self.tally["native"] += 1
            self.answered.add(expression)
            if ours != theirs:
                self.mismatches.append(f"{type_path}: {expression!r}: {ours} != {theirs}")
        if theirs[0] == "error":
            raise Exception(theirs[1])
        return theirs[1] == [True]


def _mutants(resource: dict, rng: random.Random, count: int) -> list[dict]:
    """Copies with one random container emptied, key dropped, list cut or boolean flipped."""
    spots: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "resourceType":
                    spots.append((node, key))
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    out = []
    for _ in range(count):
        spots.clear()
        mutant = copy.deepcopy(resource)
        collect(mutant)
        node, key = rng.choice(spots)
        value = node[key]
        choice = rng.randrange(4)
        if isinstance(value, bool):
            node[key] = not value
        elif isinstance(value, list) and value and choice == 0:
            node[key] = value[:1] if len(value) > 1 else value * 2
        elif isinstance(value, str) and choice == 1:
            node[key] = "x" + value
        else:
            del node[key]
        out.append(mutant)
    return out


@pytest.mark.reference
@pytest.mark.parametrize("ig", ["1.1.0", "2.0.0"])
def test_native_and_fhirpathpy_agree_on_every_evaluation(ig, bfd_responses):
    validator = Validator(ig, packages_dir())
    recorder = _Recorder(validator.invariants)
    originals = list(examples(ig).values()) + reference_resources(bfd_responses)
    rng = random.Random(7)
    for resource in sample_resources():  # v1 (STU3-shaped) and v2 samples, as they are
        validator.validate(resource)
    for resource in originals:
        for one in [resource, *_mutants(resource, rng, 6)]:
            validator.validate(one)
    assert recorder.mismatches == []
    # The comparison only means something if the native side does most of the work.
    total = sum(recorder.tally.values())
    assert recorder.tally["native"] >= 0.8 * total, recorder.tally
    assert len(recorder.answered) >= 15, sorted(recorder.answered)


def test_native_semantics_of_the_subset():
    from fhirpathpy.parser import parse

    def run(expression: str, focus: Any) -> list:
        closure = native.compile_expression(parse(expression))
        return native.evaluate(closure, focus, native.Env({}, lambda items, url: []))

    data = {"resourceType": "Claim", "a": [{"b": 1}, {"b": 2}], "f": True}
    assert run("a.b.count() > 1 and f", data) == [True]
    assert run("a.where(b = 2).exists() implies f.not()", data) == [False]
    assert run("missing = 1", data) == []
    assert run("Claim.a.b", data) == [1, 2]
    with pytest.raises(native.Fallback):  # a plural left side of `in` is fhirpathpy's error
        run("a.b in (1 | 2)", data)
    with pytest.raises(native.Fallback):  # a choice type needs the FHIR model
        run("value.exists()", {"valueString": "x"})
    with pytest.raises(native.Unsupported):
        run("a.combine(a).isDistinct()", data)
