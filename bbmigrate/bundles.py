"""A Bundle's entries, as every input reader (map, diff, validate) takes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InputError


def bundle_entries(bundle: Mapping[str, Any], *, where: str) -> list[Any]:
    """``bundle["entry"]``: [] when absent (or null); a one-line :class:`InputError` naming
    ``where`` when it is anything but an array, instead of a TypeError deep in a reader."""
    entries = bundle.get("entry")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError(f"Bundle.entry is not an array ({type(entries).__name__})", where=where)
    return entries
