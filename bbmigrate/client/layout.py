"""Writing a fetched beneficiary folder atomically.

Layout: ``vN/Patient.json`` (absent when demographics are withheld), ``vN/Coverage.json`` and
``vN/ExplanationOfBenefit.json`` (searchset Bundles, ``total`` == entries), ``vN/userinfo.json``
(absent when withheld), and ``manifest.json``.

Every file is written into a staging folder beside ``out_dir``, which is renamed into place in one
step. If ``out_dir`` already holds files, each ``vN/`` folder is swapped for the new one and
``manifest.json`` is replaced last, so a folder whose manifest is missing or older than its
``vN/`` folders is from an interrupted run. A failure leaves no file behind, and the folder of an
earlier run is put back if a swap fails.
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


def _install(staging: Path, out_dir: Path, versions: Sequence[str]) -> None:
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if not out_dir.is_dir():
        raise OutputError("exists and is not a folder", where=str(out_dir))
    for version in versions:
        target, backup = out_dir / version, staging / f".old-{version}"
        if target.exists():
            os.rename(target, backup)
        try:
            os.rename(staging / version, target)
        except OSError:
            if backup.exists():
                os.rename(backup, target)  # put the earlier run's folder back
            raise
    os.replace(staging / "manifest.json", out_dir / "manifest.json")
    shutil.rmtree(staging, ignore_errors=True)


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
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.fetch-", dir=out.parent))
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    try:
        for version, docs in documents.items():
            for name, doc in docs.items():
                write_json_atomic(staging / version / f"{name}.json", doc)
                manifest.versions[version].files.append(f"{version}/{name}.json")
        write_json_atomic(staging / "manifest.json", manifest.to_dict(redact=redact))
        _install(staging, out, list(documents))
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    finally:
        if staging.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
