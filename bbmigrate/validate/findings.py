"""The finding record every validation layer produces, and the summary built from a list of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

SEVERITIES = ("error", "warning", "information")
# The counts of the severity × profile table, in its columns' order.
SEVERITY_COLUMNS = ("resources", "resources_with_errors", "error", "warning", "information")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or "not checked" note) at one concrete FHIR path of one resource.

    ``rule`` is the rule kind (``structure``, ``type``, ``cardinality``, ``slice``, ``binding``,
    ``fixed``, ``pattern``, ``not-checked``) or an invariant key (``dom-3``, ``pat-1``).
    """

    severity: str
    resource: str
    path: str
    rule: str
    message: str
    value: Any = None
    profile: str | None = None
    element: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        # Fields are scalars (values are made short by short_value): a shallow dict is a copy,
        # and 10x faster than dataclasses.asdict's recursive one on a 15,000-finding report.
        return {name: getattr(self, name) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(Finding))


def at_least(severity: str, threshold: str) -> bool:
    """Is ``severity`` as bad as ``threshold`` or worse?"""
    return _RANK[severity] <= _RANK[threshold]


def short_value(value: Any, limit: int = 200) -> Any:
    """Keep reported values readable: scalars as they are, structures as compact JSON text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    import orjson

    text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FindingCounts:
    """The summary's counts of a list of findings, kept as they come and mergeable: a
    ``validate --jobs`` worker counts its chunk, the parent only adds the counts up."""

    def __init__(self) -> None:
        self.by_rule: Counter[tuple[str, str]] = Counter()  # (severity, rule) -> findings
        self.with_errors: set[str] = set()  # source|resource of every resource with an error
        self.not_checked: Counter[str] = Counter()  # value set -> resources it left unchecked

    def add(self, findings: Iterable[Finding]) -> FindingCounts:
        by_rule, not_checked = self.by_rule, self.not_checked
        for finding in findings:
            by_rule[finding.severity, finding.rule] += 1
            if finding.severity == "error":
                self.with_errors.add(f"{finding.source}|{finding.resource.split('#')[0]}")
            if finding.rule == "not-checked":
                not_checked[str(finding.value)] += 1
        return self

    def state(self) -> tuple:
        return list(self.by_rule.items()), sorted(self.with_errors), dict(self.not_checked)

    def merge(self, state: tuple) -> None:
        by_rule, with_errors, not_checked = state
        for key, n in by_rule:
            self.by_rule[tuple(key)] += n
        self.with_errors.update(with_errors)
        self.not_checked.update(not_checked)

    def summary(self, *, resources: int, profiles: Mapping[str, int]) -> dict:
        counts: Counter[str] = Counter()
        for (severity, _), n in self.by_rule.items():
            counts[severity] += n
        by_rule = {f"{severity}:{rule}": n for (severity, rule), n in self.by_rule.items()}
        return {
            "resources": resources,
            "resources_with_errors": len(self.with_errors),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "information": counts["information"],
            "by_rule": dict(sorted(by_rule.items())),
            "profiles": dict(sorted(profiles.items())),
            "not_checked_value_sets": dict(sorted(self.not_checked.items())),
        }


def summarize(findings: Iterable[Finding], *, resources: int, profiles: Mapping[str, int]) -> dict:
    return FindingCounts().add(findings).summary(resources=resources, profiles=profiles)
