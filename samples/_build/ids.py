"""Identifier helpers: valid NPIs (Luhn check digit) and deterministic hashes for synthetic ids."""

from __future__ import annotations

import hashlib


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # positions that get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def npi(base9: str) -> str:
    """A 10-digit NPI from 9 digits; the check digit is taken over the 80840 prefix (CMS)."""
    assert len(base9) == 9 and base9.isdigit() and base9[0] in "12"
    return base9 + str(luhn_check_digit("80840" + base9))


def mbi_hash(mbi: str) -> str:
    """Stand-in for BFD's MBI hash: a SHA-256 hex digest (the real one is a keyed PBKDF2)."""
    return hashlib.sha256(("bbmigrate-samples:" + mbi).encode()).hexdigest()
