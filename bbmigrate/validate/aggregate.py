"""What a validation report keeps of each resource's result, in one mergeable accumulator.

One process adds results one by one. ``validate --jobs`` workers each add the results of a chunk
and send the chunk's :meth:`ReportTally.state`: counts, and the findings already written as the
items of the JSON report's ``findings`` array (``Findings.json_items``), which pickle as one
string. The parent merges the states in input order, so the report is the same as one process
gives, and the parent's share of the work (the part no number of workers shortens) is small:
adding up counts and keeping the written findings. A JSON report joins them as they are; only
another format (or ``--redact``) decodes them into ``Finding`` objects, once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import OutputError
from ..jsonio import dumps
from .findings import SEVERITY_COLUMNS, Finding, FindingCounts
from .mustsupport import MustSupportTally

if TYPE_CHECKING:
    from .engine import ResourceResult

# A finding as a tuple of its fields, in the order Finding(*fields) takes them.
_FIELDS = attrgetter(*(f.name for f in fields(Finding)))
# The findings of a chunk: the JSON report's items (bytes; a memoryview when received from a
# ``--jobs`` worker), or tuples where JSON would not give the same values back.
Exported = bytes | memoryview | list[tuple]
State = tuple[int, Exported, dict[str, int], dict[str, dict[str, int]], tuple, tuple]
_HEAD, _TAIL = b'{\n  "findings": [\n', b"\n  ]\n}"


def _json_exact(value: Any) -> bool:
    """Whether JSON gives ``value`` back as it is (the decoded findings must be the same)."""
    kind = type(value)
    if kind is int:
        return -(2**63) <= value < 2**64
    if kind is float:
        return math.isfinite(value)
    return value is None or kind is str or kind is bool


def json_items(findings: list[Finding]) -> bytes:
    """The findings as the items of the JSON report's ``findings`` array, indented as there
    (``jsonio.dumps``, the report's own writer, of a document of that depth)."""
    if not findings:
        return b""
    text = dumps({"findings": findings})
    assert text.startswith(_HEAD) and text.endswith(_TAIL), "unexpected JSON layout"
    return text[len(_HEAD) : -len(_TAIL)]


class Findings:
    """A report's findings in input order, as their producers gave them: ``Finding`` lists
    (this process) or JSON array items (``validate --jobs`` workers)."""

    def __init__(self) -> None:
        self._parts: list[list[Finding] | bytes | memoryview] = []
        self._decoded: list[Finding] | None = None

    def add(self, findings: list[Finding]) -> None:
        if not findings:
            return
        if self._parts and isinstance(self._parts[-1], list):
            self._parts[-1].extend(findings)
        else:
            self._parts.append(list(findings))
        self._decoded = None

    def add_json(self, items: bytes | memoryview) -> None:
        if items:
            self._parts.append(items)
            self._decoded = None

    def items(self) -> list[Finding]:
        """Every finding as a ``Finding`` (JSON items decoded once)."""
        if self._decoded is None:
            decoded: list[Finding] = []
            for part in self._parts:
                if not isinstance(part, list):
                    decoded.extend(Finding(**row) for row in orjson.loads(b"[" + part + b"]"))
                else:
                    decoded.extend(part)
            self._decoded = decoded
        return self._decoded

    def json_items(self) -> list[bytes | memoryview]:
        """Every finding as the items of the JSON report's ``findings`` array, in pieces to be
        joined with ``b",\n"`` (a report of 10,000s of findings is joined once, not copied)."""
        return [json_items(part) if isinstance(part, list) else part for part in self._parts]

    def __eq__(self, other: object) -> bool:  # as lists: however each side keeps them
        return isinstance(other, Findings) and self.items() == other.items()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def export(self) -> Exported:
        """What a worker sends: the JSON items, unless JSON would change a value."""
        findings = self.items()
        if all(_json_exact(f.value) for f in findings):
            try:
                return json_items(findings)
            except OutputError:  # not JSON at all: the parent's report says so, as one process
                pass
        return list(map(_FIELDS, findings))


class ReportTally:
    def __init__(self, profiles: Mapping[str, Any]) -> None:
        self.resources = 0
        self.findings = Findings()
        self.counts = FindingCounts()
        self.profiles_used: Counter[str] = Counter()
        self.by_profile: dict[str, Counter[str]] = {}
        self.must_support = MustSupportTally(profiles)

    def add(self, result: ResourceResult) -> None:
        self.resources += 1
        self.findings.add(result.findings)
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
        findings = self.findings.export()
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
        if not isinstance(findings, list):
            self.findings.add_json(findings)
        else:
            self.findings.add([Finding(*fields) for fields in findings])
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
