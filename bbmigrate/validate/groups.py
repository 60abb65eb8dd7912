"""What a person reads first: findings grouped by profile and rule, the severity × profile table,
and must-support coverage per element. Shared by the xlsx and HTML reports.

A BB2 beneficiary gives thousands of findings that are the same few problems repeated on every
EOB and every line item; one row per finding buries them. A group is one (severity, profile,
rule, element) with list indexes generalised (``item[*].adjudication``), its counts and a few
example locations; the per-finding records stay in JSON and behind ``--detail``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .findings import SEVERITIES, SEVERITY_COLUMNS, Finding

BASE_R4 = "base R4"
_INDEX = re.compile(r"\[\d+\]")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


def profile_name(url: str | None) -> str:
    """A readable profile name: ``C4BB-ExplanationOfBenefit-Pharmacy`` → ``EOB-Pharmacy``."""
    if not url:
        return BASE_R4
    if url.startswith("(base R4)"):  # summary key of a resource no CARIN profile applies to
        return url
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return name.removeprefix("C4BB-").replace("ExplanationOfBenefit", "EOB")


def generalised(path: str) -> str:
    """Indexes generalised: ``EOB.item[3].adjudication[0]`` → ``EOB.item[*].adjudication[*]``."""
    return _INDEX.sub("[*]", path)


@dataclass
class FindingGroup:
    severity: str
    profile: str | None
    rule: str
    element: str
    message: str
    findings: int = 0
    resources: set[str] = field(default_factory=set)
    messages: set[str] = field(default_factory=set)
    examples: list[Finding] = field(default_factory=list)

    @property
    def other_messages(self) -> int:
        return len(self.messages) - 1


def group_findings(findings: Iterable[Finding], *, examples: int | None = 3) -> list[FindingGroup]:
    """Findings grouped by (severity, profile, rule, element), worst and most frequent first.

    ``element`` is the profile's element id when the finding has one (slices stay apart:
    ``adjudication:benefitpaymentstatus``), else the path with list indexes generalised.
    ``examples`` bounds the example findings kept per group (``None``: all of them).
    """
    groups: dict[tuple[str, str, str, str], FindingGroup] = {}
    for f in findings:
        element = f.element or generalised(f.path)
        key = (f.severity, f.profile or "", f.rule, element)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(f.severity, f.profile, f.rule, element, f.message)
        group.findings += 1
        group.resources.add(f.resource.split("#", 1)[0])
        group.messages.add(f.message)
        if examples is None or len(group.examples) < examples:
            group.examples.append(f)
    return sorted(
        groups.values(),
        key=lambda g: (
            _RANK[g.severity],
            profile_name(g.profile),
            -len(g.resources),
            g.rule,
            g.element,
        ),
    )


SEVERITY_HEADINGS = (
    "profile",
    "resources",
    "resources with errors",
    "errors",
    "warnings",
    "information",
)


def severity_table(by_profile: Mapping[str, Mapping[str, int]]) -> list[tuple[str, list[int]]]:
    """Rows of (profile name, counts in ``SEVERITY_COLUMNS`` order) plus a ``Total`` row."""
    rows = [
        (profile_name(url), [counts.get(column, 0) for column in SEVERITY_COLUMNS])
        for url, counts in sorted(by_profile.items(), key=lambda item: profile_name(item[0]))
    ]
    total = [sum(values[i] for _, values in rows) for i in range(len(SEVERITY_COLUMNS))]
    return [*rows, ("Total", total)]


@dataclass(frozen=True)
class MustSupportRow:
    profile: str
    element: str
    present: int
    resources: int

    @property
    def share(self) -> float:
        return self.present / self.resources if self.resources else 0.0


def must_support_rows(must_support: Mapping[str, Mapping[str, Any]]) -> list[MustSupportRow]:
    """One row per must-support element of each profile seen: in how many resources it is."""
    rows = []
    for url, entry in must_support.items():
        present_in = entry.get("present_in", {})
        for element, count in present_in.items():
            rows.append(MustSupportRow(profile_name(url), element, count, entry["resources"]))
    return rows


VALUE_WIDTH = 48


def example_texts(group: FindingGroup, value_of: Callable[[Finding], Any]) -> list[str]:
    """``Resource/id at path = value`` for each example of ``group``, the value cut to
    ``VALUE_WIDTH``. A value every example shares (an invariant's expression, a required
    pattern) describes the rule, not the data: it is left out."""
    values = [value_of(f) for f in group.examples]
    shared = len(values) > 1 and len({str(v) for v in values}) == 1
    texts = []
    for f, value in zip(group.examples, values, strict=True):
        text = f"{f.resource} at {f.path}"
        if not shared and value not in (None, "") and f.rule != "not-checked":
            value = str(value)
            text += " = " + (value if len(value) <= VALUE_WIDTH else value[: VALUE_WIDTH - 1] + "…")
        texts.append(text)
    return texts
