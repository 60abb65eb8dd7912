"""Shared fixtures. Reference data lives outside the project, at ../shared/reference."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The shared BFD reference data; tests that need it skip with a reason when it is absent."""
    if not (REFERENCE / "bfd" / "endpoint-responses").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE} (it ships beside the project in CI)")
    return REFERENCE


@pytest.fixture(scope="session")
def bfd_responses(reference_dir: Path) -> Path:
    return reference_dir / "bfd" / "endpoint-responses"
