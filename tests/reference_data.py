"""Where the shared reference data is, and whether it is really there.

One place for the tests, the conftest hooks and ``validate_support`` to agree on. The reference
sits beside the project (``../shared/reference``); ``BBMIGRATE_REFERENCE`` points elsewhere, and
``BBMIGRATE_REFERENCE=/nonexistent`` runs the suite as a user's bare clone would.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
ENV_VAR = "BBMIGRATE_REFERENCE"
REFERENCE = Path(os.environ.get(ENV_VAR) or PROJECT.parent / "shared" / "reference")
RESPONSES = REFERENCE / "bfd" / "endpoint-responses"
DICTIONARY = REFERENCE / "bfd" / "data-dictionary"
PACKAGES = REFERENCE / "fhir-packages"
# Every skip for missing reference data starts with this; the marker check in conftest keys on it.
MISSING = "reference data not found"


_WANTED = {
    "bfd/endpoint-responses (v1, v2)": (RESPONSES / "v1", RESPONSES / "v2"),
    "bfd/data-dictionary": (DICTIONARY,),
    "fhir-packages": (PACKAGES,),
}
PARTS = len(_WANTED)  # missing_parts() of this length: a bare clone


def missing_parts() -> list[str]:
    """The parts of the reference the suite uses that are absent or empty (``[]``: all there)."""
    return [
        name
        for name, folders in _WANTED.items()
        if not all(folder.is_dir() and any(folder.iterdir()) for folder in folders)
    ]


def skip_without(path: Path, what: str) -> None:
    """Skip the running test, with the reason the marker check recognises, if ``path`` is absent."""
    if not path.exists():
        pytest.skip(f"{MISSING}: no {what} at {path} (it ships beside the project in CI)")
