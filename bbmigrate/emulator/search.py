"""FHIR search on v1/v2 as BB2 and BFD answer it: parameter checks, filters and paged Bundles.

BB2 validates a whitelist of parameters (voluptuous with ``REMOVE_EXTRA``: unknown parameters are
dropped silently) and forwards the rest to BFD, which filters, pages and builds the links. Errors
are DRF bodies ``{"detail": ...}`` with BB2's exact messages.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

EOB_TYPES = ("carrier", "pde", "dme", "hha", "hospice", "inpatient", "outpatient", "snf")
EOB_TYPE_SYSTEM = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
MAX_COUNT = 50
_OPERATOR = re.compile(r"^(lt|le|gt|ge).+")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_UPSTREAM = "An error occurred contacting the upstream server:"


class Problem(Exception):
    """An HTTP error with BB2's JSON body."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.body: dict[str, Any] = {"detail": detail}
        self.headers = headers or {}


NOT_FOUND = "Not found."
FORBIDDEN = "You do not have permission to perform this action."


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Problem(400, "expected int") from None


def _range(value: str) -> tuple[datetime, datetime]:
    """A FHIR date/dateTime parameter as the half-open range of instants it denotes."""
    match = _PARTIAL.match(value)
    try:
        if match:
            year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
            start = datetime(year, month, day, tzinfo=UTC)
            if match[3]:
                end = start + timedelta(days=1)
            elif match[2]:
                end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            else:
                end = datetime(year + 1, 1, 1, tzinfo=UTC)
            return start, end
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, f"{_UPSTREAM}Invalid date/time format: '{value}'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment + timedelta(milliseconds=1)


def instant(text: str | None) -> datetime | None:
    """A resource's date or dateTime as an aware instant (dates at UTC midnight)."""
    if not text:
        return None
    try:
        return _range(text)[0]
    except Problem:
        return None


@dataclass(frozen=True)
class DateFilter:
    """``lt|le|gt|ge`` comparisons; a value matches when every comparison holds."""

    bounds: tuple[tuple[str, datetime, datetime], ...] = ()

    @classmethod
    def parse(cls, values: Sequence[str], name: str) -> DateFilter:
        bounds = []
        for value in values:
            if not _OPERATOR.match(value):
                raise Problem(400, f"the {name} operator is not valid")
            start, end = _range(value[2:])
            bounds.append((value[:2], start, end))
        return cls(tuple(bounds))

    def matches(self, moment: datetime | None) -> bool:
        if not self.bounds:
            return True
        if moment is None:
            return False
        checks = {
            "lt": lambda s, e: moment < s,
            "le": lambda s, e: moment < e,
            "gt": lambda s, e: moment >= e,
            "ge": lambda s, e: moment >= s,
        }
        return all(checks[op](start, end) for op, start, end in self.bounds)


def parse_types(values: Sequence[str]) -> frozenset[str] | None:
    """The claim types asked for, ``None`` for all; BB2's message for anything it rejects."""
    wanted: set[str] = set()
    for value in values:
        for item in value.split(","):
            system, bar, code = item.strip().rpartition("|")
            if bar and system != EOB_TYPE_SYSTEM:
                raise Problem(400, "the type parameter value is not valid")
            if bar and code == "":
                return None  # the bare "system|" selects every type
            if code.lower() not in EOB_TYPES:
                raise Problem(400, "the type parameter value is not valid")
            wanted.add(code.lower())
    return frozenset(wanted) if wanted else None


@dataclass(frozen=True)
class Paging:
    start: int = 0
    count: int = 10
    start_given: bool = False

    @classmethod
    def parse(cls, params: dict[str, list[str]]) -> Paging:
        raw_count = (params.get("_count") or params.get("count") or ["10"])[-1]
        count = _int(raw_count)
        if count > MAX_COUNT:
            raise Problem(400, f"value must be at most {MAX_COUNT}")
        if count < 0:
            raise Problem(400, "value must be at least 0")
        raw_start = params.get("startIndex")
        start = _int(raw_start[-1]) if raw_start else 0
        if start < 0:
            raise Problem(400, f"{_UPSTREAM}Value for startIndex ({start}) must be non-negative")
        return cls(start, count, bool(raw_start))


@dataclass
class SearchPage:
    """What a searchset Bundle needs besides the matching resources."""

    base_url: str  # e.g. http://127.0.0.1:8000/v2/fhir/ExplanationOfBenefit
    paging: Paging
    subject: list[tuple[str, str]]  # e.g. [("patient", "-2014...")]
    extra: list[tuple[str, str]] = field(default_factory=list)  # filters, repeated in links

    def _link(self, start: int) -> str:
        query = [
            ("_format", "application/json+fhir"),
            ("startIndex", str(start)),
            ("_count", str(self.paging.count)),
            *self.subject,
            *self.extra,
        ]
        return f"{self.base_url}?{urlencode(query)}"

    def bundle(self, resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """One page of ``resources`` as BFD pages it, with BB2's link set and ``total``."""
        total, start, count = len(resources), self.paging.start, self.paging.count
        if total and start >= total:
            raise Problem(
                400,
                f"{_UPSTREAM}Value for startIndex ({start}) must be less than than result size "
                f"({total})",
            )
        page = list(resources[start : start + count]) if count else []
        links = [("first", self._link(0))]
        if start > 0:
            links.append(("previous", self._link(max(start - count, 0))))
        if count and start + count < total:
            links.append(("next", self._link(start + count)))
        last = ((total - 1) // count) * count if count and total else 0
        links.append(("last", self._link(last)))
        self_query = [("_count", str(count)), ("_format", "application/json+fhir"), *self.subject]
        self_query += self.extra
        if self.paging.start_given:
            self_query.append(("startIndex", str(start)))
        self_url = f"{self.base_url}/?{urlencode(sorted(self_query))}"
        links.append(("self", self_url))
        updated = max((r.get("meta", {}).get("lastUpdated", "") for r in resources), default="")
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, self_url)),
        }
        if updated:  # an empty search has nothing to date the Bundle by; FHIR forbids {}
            bundle["meta"] = {"lastUpdated": updated}
        bundle.update(
            type="searchset",
            total=total,
            link=[{"relation": rel, "url": url} for rel, url in links],
        )
        if page:
            bundle["entry"] = [{"resource": r} for r in page]
        return bundle
