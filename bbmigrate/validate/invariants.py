"""Layer 3: the profiles' error-level FHIRPath invariants, evaluated with fhirpathpy.

Each expression is compiled once per process. An invariant is evaluated on every instance of
its element with the element's FHIR type path as base (so type-aware functions work) and the
standard variables ``%resource``, ``%rootResource`` and ``%context``. fhirpathpy lacks
``memberOf``; it is supplied here from the validator's own value-set index. ``ele-1``, ``ext-1``
and ``dom-3`` are checked natively by ``structure.py`` (fhirpathpy fails dom-3 and ele-1 on
every element is too slow).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .findings import Finding, short_value
from .terminology import ValueSetIndex

_SLICE = re.compile(r":[^.]+")
_COMPILED: dict[str, Callable] = {}


class InvariantChecker:
    def __init__(self, valuesets: ValueSetIndex) -> None:
        self.valuesets = valuesets
        self._unchecked: set[str] = set()
        self._options = {
            "userInvocationTable": {"memberOf": {"fn": self._member_of, "arity": {1: ["String"]}}}
        }

    def _member_of(self, inputs: list, url: str) -> list[bool]:
        results = []
        for item in inputs:
            if isinstance(item, str):
                answer = self.valuesets.contains(url, None, item)
            elif isinstance(item, Mapping) and "coding" in item:
                answer = self.valuesets.contains_concept(url, item)
            elif isinstance(item, Mapping):
                answer = self.valuesets.contains(url, item.get("system"), item.get("code"))
            else:
                answer = False
            if answer is None:
                # Unknown terminology: do not fail the invariant on it, but say so in the report.
                self._unchecked.add(url)
                answer = True
            results.append(answer)
        return results

    def _compiled(self, expression: str) -> Callable:
        fn = _COMPILED.get(expression)
        if fn is None:
            import fhirpathpy
            from fhirpathpy.models import models

            fn = fhirpathpy.compile(expression, models["r4"], self._options)
            _COMPILED[expression] = fn
        return fn

    def check(
        self,
        targets: list[tuple[Mapping, str, Any]],
        *,
        resource: Mapping,
        root: Mapping,
        label: str,
        profile: str,
        source: str | None,
    ) -> tuple[list[Finding], set[str]]:
        from fhirpathpy.engine.nodes import ResourceNode

        self._unchecked = set()
        findings: list[Finding] = []
        groups: dict[str, tuple[Mapping, list[tuple[str, Any]]]] = {}
        for node, path, value in targets:
            groups.setdefault(node["id"], (node, []))[1].append((path, value))
        for node, located in groups.values():
            type_path = _SLICE.sub("", node["id"])
            focus = [
                value if value is resource else ResourceNode.create_node(value, type_path)
                for _, value in located
            ]
            variables = {"resource": resource, "rootResource": root}
            for key, expression, human in node["constraints"]:
                for (path, value), item in zip(located, focus, strict=True):
                    try:
                        result = self._compiled(expression)(item, {**variables, "context": value})
                    except Exception as exc:  # report engine gaps, never pass silently
                        findings.append(
                            Finding(
                                "warning",
                                label,
                                path,
                                key,
                                f"invariant could not be evaluated: {exc}",
                                expression,
                                profile=profile,
                                element=node["id"],
                                source=source,
                            )
                        )
                        continue
                    if result != [True]:
                        findings.append(
                            Finding(
                                "error",
                                label,
                                path,
                                key,
                                f"invariant failed: {human}",
                                short_value(expression),
                                profile=profile,
                                element=node["id"],
                                source=source,
                            )
                        )
        return findings, set(self._unchecked)
