"""Helpers shared by the sample-data tests: where the samples are and how to walk them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bbmigrate.resources import samples_dir

SAMPLES = samples_dir()
BUILD_SCRIPT = SAMPLES / "_build" / "build_samples.py"
VERSIONS = ("v1", "v2")
CLAIM_TYPES = ("carrier", "dme", "hha", "hospice", "inpatient", "outpatient", "pde", "snf")
REFERENCE_EOB_FILE = {t: f"eobRead{t.capitalize()}.json" for t in CLAIM_TYPES}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def index() -> dict[str, Any]:
    return load(SAMPLES / "index.json")


def beneficiary_ids() -> list[str]:
    return [b["id"] for b in index()["beneficiaries"]]


def data_files() -> list[Path]:
    """Every JSON file of the sample data (not the generator)."""
    return sorted(p for p in SAMPLES.rglob("*.json") if "_build" not in p.parts)


def eobs(version: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(beneficiary id, EOB resource) for every sample EOB of ``version``."""
    for bid in beneficiary_ids():
        bundle = load(SAMPLES / bid / version / "ExplanationOfBenefit.json")
        for entry in bundle["entry"]:
            yield bid, entry["resource"]


def claim_type(eob: dict[str, Any]) -> str:
    return eob["id"].split("-", 1)[0]


def resources(version: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every FHIR resource of ``version``, bundles and their entries included."""
    for bid in beneficiary_ids():
        for name in ("Patient", "Coverage", "ExplanationOfBenefit"):
            path = SAMPLES / bid / version / f"{name}.json"
            doc = load(path)
            yield path, doc
            for entry in doc.get("entry", []):
                yield path, entry["resource"]
