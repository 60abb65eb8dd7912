"""Writing a fetched beneficiary folder atomically.

Layout: ``vN/Patient.json`` (absent when demographics are withheld), ``vN/Coverage.json`` and
``vN/ExplanationOfBenefit.json`` (searchset Bundles, ``total`` == entries), ``vN/userinfo.json``
(absent when withheld), and ``manifest.json``.

Every file is written into a staging folder beside ``out_dir`` (``.<name>.fetch-XXXX``). A new
``out_dir`` is that folder renamed into place in one step. An existing one is updated item by
item (``v1/``, ``v2/``, then ``manifest.json``): each old item moves into the staging folder's
``.old/`` and the new one takes its place. Before the first rename the staging folder gets a
journal (``INSTALL``), so an install interrupted between any two renames (a kill, a power cut)
is finished by :func:`recover`, which every fetch runs first: the folder then holds the new
complete fetch, never a mix. A staging folder without a journal was interrupted while being
written, before ``out_dir`` was touched, and is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..jsonio import write_json_atomic
from .manifest import Manifest

JOURNAL = "INSTALL"
# The one call that moves installed items; a test replaces it to "crash" between renames.
_rename = os.rename


def _staging_folders(out_dir: Path) -> list[Path]:
    return sorted(out_dir.parent.glob(f".{out_dir.name}.fetch-*"))


def _items(staging: Path) -> list[str]:
    """The items a journaled staging folder installs, in install order (manifest last)."""
    return [line for line in (staging / JOURNAL).read_text().splitlines() if line]


def _finish(staging: Path, out_dir: Path) -> None:
    """Move every item still in ``staging`` into ``out_dir`` (the old one into ``.old/``)."""
    old = staging / ".old"
    old.mkdir(exist_ok=True)
    for item in _items(staging):
        new, target = staging / item, out_dir / item
        if not new.exists():
            continue  # installed before the interruption
        if target.exists() and not (old / item).exists():
            _rename(target, old / item)
        elif target.exists():
            # Old item already set aside, and a target present: it can only be a new item
            # installed by a run that died before removing its staging folder. Not ours.
            raise OutputError(f"unexpected {item} during install", where=str(out_dir))
        _rename(new, target)
    shutil.rmtree(staging)


def recover(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Finish or discard interrupted installs into ``out_dir``; returns the folders handled."""
    out = Path(out_dir)
    handled = []
    for staging in _staging_folders(out):
        if (staging / JOURNAL).is_file() and out.is_dir():
            _finish(staging, out)  # interrupted mid-install: roll forward to the new fetch
        else:
            shutil.rmtree(staging, ignore_errors=True)  # never touched out_dir
        handled.append(staging)
    return handled


def _install(staging: Path, out_dir: Path, versions: Sequence[str]) -> None:
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    if not out_dir.exists():
        _rename(staging, out_dir)
        return
    if not out_dir.is_dir():
        raise OutputError("exists and is not a folder", where=str(out_dir))
    journal = staging / f"{JOURNAL}.tmp"
    journal.write_text("".join(f"{item}\n" for item in [*versions, "manifest.json"]))
    with open(journal) as handle:
        os.fsync(handle.fileno())
    os.replace(journal, staging / JOURNAL)  # from here on, recover() finishes the install
    _finish(staging, out_dir)


def write_beneficiary(
    out_dir: str | os.PathLike[str],
    documents: Mapping[str, Mapping[str, Any]],
    manifest: Manifest,
    *,
    redact: bool = False,
) -> None:
    """Write ``documents`` (version -> name -> JSON) and the manifest under ``out_dir``.

    The names of the files written are added to ``manifest.versions[v].files`` first; ``redact``
    keeps the patient id out of ``manifest.json``.
    """
    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.fetch-", dir=out.parent))
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    try:
        for version, docs in documents.items():
            for name, doc in docs.items():
                # compact, as the API sends it: half the disk of an indented copy, for data
                # that is read by programs (and by people through a JSON viewer)
                write_json_atomic(staging / version / f"{name}.json", doc, pretty=False)
                manifest.versions[version].files.append(f"{version}/{name}.json")
        write_json_atomic(staging / "manifest.json", manifest.to_dict(redact=redact))
        _install(staging, out, list(documents))
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    finally:
        # A journaled folder holds the earlier run's items in .old/: it is finished by the
        # next recover(), never deleted half-way. An unjournaled one never touched out_dir.
        if staging.exists() and not (staging / JOURNAL).exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
