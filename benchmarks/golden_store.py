"""Save or check a folder of golden outputs (used by ``golden_map.py`` and ``golden_diff.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def save_or_check(mode: str, folder: Path, outputs: Iterable[tuple[str, bytes]]) -> int:
    """``save`` writes each ``(file name, bytes)``; ``check`` names every one that differs (1)."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    count = 0
    for key, data in outputs:
        count += 1
        if mode == "save":
            (folder / key).write_bytes(data)
        elif not (folder / key).is_file() or (folder / key).read_bytes() != data:
            changed.append(key)
    if changed:
        print(f"CHANGED ({len(changed)} of {count}): " + ", ".join(changed))
        return 1
    print(f"{mode}: {count} outputs {'identical' if mode == 'check' else 'saved'}")
    return 0
