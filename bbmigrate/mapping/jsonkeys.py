"""The str objects ``orjson.loads`` gives for object keys, for lookups that match by identity.

orjson keeps one str object per short key for the life of the process (documented: keys of at
most 64 bytes, 2,048 of them), so every parsed resource's fields are those very objects. A dict
lookup with the same object matches by identity; with an equal literal (which CPython interns,
another object) the dict also compares the characters, at every lookup that finds the key.
Input parsed another way, or a key orjson has not kept, only loses that shortcut.
"""

from __future__ import annotations

import orjson


def parsed_key(name: str) -> str:
    """The object ``orjson.loads`` gives for the key ``name`` (equal to ``name``)."""
    return next(iter(orjson.loads(orjson.dumps({name: 0}))))
