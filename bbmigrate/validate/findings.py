"""The finding record every validation layer produces, and the summary built from a list of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

SEVERITIES = ("error", "warning", "information")
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


def summarize(findings: Iterable[Finding], *, resources: int, profiles: Mapping[str, int]) -> dict:
    counts: Counter = Counter()
    by_rule: Counter = Counter()
    files_with_errors: set[str] = set()
    not_checked: Counter = Counter()  # value set -> resources with codes it could not check
    for finding in findings:
        counts[finding.severity] += 1
        by_rule[f"{finding.severity}:{finding.rule}"] += 1
        if finding.severity == "error":
            files_with_errors.add(f"{finding.source}|{finding.resource.split('#')[0]}")
        if finding.rule == "not-checked":
            not_checked[str(finding.value)] += 1
    return {
        "resources": resources,
        "resources_with_errors": len(files_with_errors),
        "errors": counts["error"],
        "warnings": counts["warning"],
        "information": counts["information"],
        "by_rule": dict(sorted(by_rule.items())),
        "profiles": dict(sorted(profiles.items())),
        "not_checked_value_sets": dict(sorted(not_checked.items())),
    }
