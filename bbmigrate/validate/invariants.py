"""Layer 3: the profiles' error-level FHIRPath invariants.

Each expression is compiled once per checker: to native closures (``fhirpath_native``) when it
stays within the common subset, some 20 times faster, else with fhirpathpy; a native evaluation
that meets data outside the subset is redone by fhirpathpy.

An invariant is evaluated on every instance of its element with the element's FHIR type path
as base (so type-aware functions work) and the standard variables ``%resource``,
``%rootResource`` and ``%context``. fhirpathpy lacks ``memberOf``; it is supplied here from the
validator's own value-set index. ``ele-1``, ``ext-1`` and ``dom-3`` are checked natively by
``structure.py`` in one pass (fhirpathpy fails dom-3 and ele-1 on every element is too slow).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from . import fhirpath_native as native
from .fhirpath_trees import parse
from .findings import Finding, short_value
from .terminology import ValueSetIndex

_SLICE = re.compile(r":[^.]+")


class InvariantChecker:
    def __init__(self, valuesets: ValueSetIndex) -> None:
        self.valuesets = valuesets
        self._unchecked: set[str] = set()
        # Per checker, not per process: memberOf is bound to this checker's value sets.
        self._compiled_fns: dict[str, Callable] = {}
        self._native_fns: dict[str, native.Closure | None] = {}
        self.use_native = True
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
        fn = self._compiled_fns.get(expression)
        if fn is None:
            import fhirpathpy
            from fhirpathpy.models import models

            fn = fhirpathpy.compile(expression, models["r4"], self._options)
            self._compiled_fns[expression] = fn
        return fn

    def _native(self, expression: str) -> native.Closure | None:
        if expression not in self._native_fns:
            try:
                self._native_fns[expression] = native.compile_expression(parse(expression))
            except native.Unsupported:
                self._native_fns[expression] = None
        return self._native_fns[expression]

    def evaluate_native(self, expression: str, value: Any, variables: dict) -> list:
        """Native result; raises ``Unsupported``/``Fallback`` where fhirpathpy must decide."""
        closure = self._native(expression)
        if closure is None:
            raise native.Unsupported(expression)
        env = native.Env({**variables, "context": value}, self._member_of)
        return native.evaluate(closure, value, env)

    def evaluate_fhirpathpy(
        self, expression: str, type_path: str, value: Any, is_root: bool, variables: dict
    ) -> list:
        """fhirpathpy's result (its type path gives fhirpathpy the element's types)."""
        from fhirpathpy.engine.nodes import ResourceNode

        focus = value if is_root else ResourceNode.create_node(value, type_path)
        return self._compiled(expression)(focus, {**variables, "context": value})

    def _evaluate(
        self, expression: str, type_path: str, value: Any, is_root: bool, variables: dict
    ) -> bool:
        """Run one invariant on one element: natively where possible."""
        if self.use_native:
            try:
                return self.evaluate_native(expression, value, variables) == [True]
            except Exception:  # Unsupported, Fallback or odd input: fhirpathpy has the last word
                pass
        return self.evaluate_fhirpathpy(expression, type_path, value, is_root, variables) == [True]

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
        """Evaluate the invariants of every (node, path, value) the profile walk collected."""
        self._unchecked = set()
        findings: list[Finding] = []
        variables = {"resource": resource, "rootResource": root}
        for node, path, value in targets:
            type_path = _SLICE.sub("", node["id"])
            for key, expression, human in node["constraints"]:
                common = {"profile": profile, "element": node["id"], "source": source}
                try:
                    passed = self._evaluate(
                        expression, type_path, value, value is resource, variables
                    )
                except Exception as exc:  # report engine gaps, never pass silently
                    message = f"invariant could not be evaluated: {exc}"
                    findings.append(
                        Finding("warning", label, path, key, message, expression, **common)
                    )
                    continue
                if not passed:
                    message = f"invariant failed: {human}"
                    findings.append(
                        Finding(
                            "error", label, path, key, message, short_value(expression), **common
                        )
                    )
        return findings, set(self._unchecked)
