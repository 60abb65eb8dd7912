"""What a validation report keeps of each resource's result, in one mergeable accumulator.

One process adds results one by one. ``validate --jobs`` workers each add the results of a chunk
and send the chunk's :meth:`ReportTally.state` (plain tuples and dicts: they pickle several times
faster than ``Finding`` objects); the parent merges the states in input order, so the report is
the same as one process gives, and the parent's share of the work (the part no number of
workers shortens) is small: adding up counts and rebuilding the findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .findings import Finding, FindingCounts
from .groups import SEVERITY_COLUMNS
from .mustsupport import MustSupportTally

if TYPE_CHECKING:
    from .engine import ResourceResult

# A finding as a tuple of its fields, in the order Finding(*fields) takes them.
_FIELDS = attrgetter(*(f.name for f in fields(Finding)))
State = tuple[int, list[tuple], dict[str, int], dict[str, dict[str, int]], tuple, tuple]


class ReportTally:
    def __init__(self, profiles: Mapping[str, Any]) -> None:
        self.resources = 0
        self.findings: list[Finding] = []
        self.counts = FindingCounts()
        self.profiles_used: Counter[str] = Counter()
        self.by_profile: dict[str, Counter[str]] = {}
        self.must_support = MustSupportTally(profiles)

    def add(self, result: ResourceResult) -> None:
        self.resources += 1
        self.findings.extend(result.findings)
        self.counts.add(result.findings)
        self.must_support.add(result.present)
        key = result.profile or f"(base R4) {result.label.split('/', 1)[0]}"
        self.profiles_used[key] += 1
        # Every finding of a resource counts for the profile it was checked against, base-R4
        # ones included: the severity × profile table answers "how bad is each claim type".
        tally = self.by_profile.setdefault(key, Counter())
        tally["resources"] += 1
        tally.update(f.severity for f in result.findings)
        if any(f.severity == "error" for f in result.findings):
            tally["resources_with_errors"] += 1

    def state(self) -> State:
        findings = list(map(_FIELDS, self.findings))
        by_profile = {key: dict(counts) for key, counts in self.by_profile.items()}
        return (
            self.resources,
            findings,
            dict(self.profiles_used),
            by_profile,
            self.counts.state(),
            self.must_support.state(),
        )

    def merge(self, state: State) -> None:
        """Add another tally's :meth:`state`; merged in input order, findings keep it."""
        resources, findings, profiles_used, by_profile, counts, must_support = state
        self.resources += resources
        self.findings.extend([Finding(*fields) for fields in findings])
        self.profiles_used.update(profiles_used)
        for key, counts_of_profile in by_profile.items():
            self.by_profile.setdefault(key, Counter()).update(counts_of_profile)
        self.counts.merge(counts)
        self.must_support.merge(must_support)

    def summary(self, ig: str, invariants: bool) -> dict[str, Any]:
        summary = self.counts.summary(resources=self.resources, profiles=self.profiles_used)
        summary = {"ig": ig, "invariants": invariants, **summary}
        summary["by_profile"] = {
            key: {column: counts[column] for column in SEVERITY_COLUMNS}
            for key, counts in sorted(self.by_profile.items())
        }
        return summary
