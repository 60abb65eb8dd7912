"""Must-support coverage across a corpus, judged the way the Inferno CARIN test kit does.

An element flagged mustSupport passes when at least one resource of that profile populates it
(slices count when some value matches the slice). The report lists, per profile, the elements
never populated — what a server or mapper would need to add to pass Inferno's check — and,
per element, in how many resources it is populated (``present_in``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


class MustSupportTally:
    def __init__(self, profiles: Mapping[str, Mapping]) -> None:
        self._profiles = profiles
        self._present: dict[str, Counter[str]] = {}
        self._count: dict[str, int] = {}

    def add(self, present: Mapping[str, Iterable[str]]) -> None:
        """Record one resource's populated elements, per profile (contained ones included)."""
        for profile_url, elements in present.items():
            self._present.setdefault(profile_url, Counter()).update(set(elements))
            self._count[profile_url] = self._count.get(profile_url, 0) + 1

    def state(self) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
        """The counts so far as plain dicts (a ``validate --jobs`` worker sends its chunk's)."""
        return {url: dict(c) for url, c in self._present.items()}, dict(self._count)

    def merge(self, state: tuple[Mapping[str, Mapping[str, int]], Mapping[str, int]]) -> None:
        """Add the counts of another tally's :meth:`state` (another chunk of the corpus)."""
        present, count = state
        for url, elements in present.items():
            self._present.setdefault(url, Counter()).update(elements)
        for url, n in count.items():
            self._count[url] = self._count.get(url, 0) + n

    def report(self) -> dict[str, dict]:
        out = {}
        for url in sorted(self._present):
            elements = self._profiles[url]["must_support"]
            counts = self._present[url]
            missing = [e for e in elements if not counts[e]]
            out[url] = {
                "resources": self._count[url],
                "must_support": len(elements),
                "present": len(elements) - len(missing),
                "never_present": missing,
                "present_in": {e: counts[e] for e in elements},
            }
        return out
