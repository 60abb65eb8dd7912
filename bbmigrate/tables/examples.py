"""Example values and labels for the tables, taken from our synthetic samples (``samples/``).

Every sample resource of both versions is scanned once for BB2 variables; the first value seen
per sheet, variable and version becomes that row's example, and the codebook display a v2 (else
v1) category coding carries becomes the variable's label. Samples are ours and ship with the
project, so a user's clone regenerates the same workbook.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..jsonio import read_json
from .sample_values import VariableHit, find_variables, sheet_of

VERSIONS = ("v1", "v2")
_FILES = ("Patient.json", "Coverage.json", "ExplanationOfBenefit.json")


def _resources(document: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(document, dict):
        return
    if document.get("resourceType") == "Bundle":
        for entry in document.get("entry") or ():
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                yield resource
    else:
        yield document


@dataclass
class SampleIndex:
    """Sample resources per sheet and version, and the variables found in them."""

    resources: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    hits: dict[tuple[str, str, str], VariableHit] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    beneficiaries: tuple[str, ...] = ()

    def add(self, version: str, resource: dict[str, Any]) -> None:
        sheet = sheet_of(resource)
        if sheet is None:
            return
        self.resources.setdefault((sheet, version), []).append(resource)
        for hit in find_variables(resource):
            self.hits.setdefault((sheet, hit.variable, version), hit)
            if hit.label and (version == "v2" or hit.variable not in self.labels):
                self.labels[hit.variable] = hit.label

    def example(self, sheet: str, variable: str | None, version: str) -> str:
        hit = self.hits.get((sheet, variable or "", version))
        return hit.value if hit else ""

    def label(self, variable: str | None) -> str:
        return self.labels.get(variable or "", "")

    def variables(self, sheet: str, version: str | None = None) -> set[str]:
        """Every variable the samples emit on ``sheet`` (in one version, or either)."""
        return {
            name for (s, name, v) in self.hits if s == sheet and (version is None or v == version)
        }

    def documents(self, sheet: str, version: str) -> list[dict[str, Any]]:
        return self.resources.get((sheet, version), [])


def load_samples(root: str | Path | None = None) -> SampleIndex:
    """Index ``samples/`` (default: the project's own); an absent folder gives an empty index."""
    if root is None:
        from ..resources import samples_dir

        try:
            root = samples_dir()
        except FileNotFoundError:
            return SampleIndex()
    base = Path(root)
    index_file = base / "index.json"
    if not index_file.is_file():
        return SampleIndex()
    listing = read_json(index_file)
    try:
        ids = [str(b["id"]) for b in listing["beneficiaries"]]
    except (KeyError, TypeError):
        raise InputError(
            "expected {'beneficiaries': [{'id': ...}]}", where=str(index_file)
        ) from None
    index = SampleIndex(beneficiaries=tuple(ids))
    for patient in ids:
        for version in VERSIONS:
            for name in _FILES:
                path = base / patient / version / name
                if path.is_file():
                    for resource in _resources(read_json(path)):
                        index.add(version, resource)
    return index
