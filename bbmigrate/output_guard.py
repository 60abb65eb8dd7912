"""An output never replaces an input: the one check every command runs before it writes.

``map X -o X``, ``diff A B -o A`` or ``validate F -o F`` would otherwise end with the input
gone (the atomic writer renames over it). The check compares what the paths *are*, not how
they are spelled: the same file by another name, a hard link (same device and inode), a
symlink either way, the file given on standard input (``map - -o F < F``), a file inside an
input folder among files of its kind (the next run would read it as input: a folder of
resources, of mapping files, a dictionary), and for folder outputs, a folder that contains or
sits inside an input folder.
bbmigrate's own ``mappings/`` and ``samples/`` count as an input of every command.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import OutputError
from .resources import data_dir

PathLike = str | os.PathLike[str]


def _real(path: Path) -> Path:
    # resolve() follows every symlink it can, and keeps the rest of a path that does not exist
    return Path(os.path.realpath(path))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _files_under(folder: Path) -> Iterator[Path]:
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            yield Path(root) / name


def _inputs(inputs: Iterable[PathLike | None]) -> list[Path]:
    return [Path(p) for p in inputs if p is not None and str(p) != "-"]


def _stdin_identity() -> tuple[int, int] | None:
    """The file behind standard input (``map - -o F < F``), if it is a regular file."""
    try:
        st = os.fstat(0)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def guard_output(
    output: PathLike | None, inputs: Iterable[PathLike | None], *, folder: bool = False
) -> None:
    """Raise :class:`OutputError` (exit 2, one line) when writing ``output`` could replace an
    input. ``folder`` says that the output is a folder of files (``map`` of a folder,
    ``tables --format all``). Nothing is written or created here."""
    if output is None or str(output) == "-":
        return
    out = Path(output)
    out_real = _real(out)
    out_id = _identity(out) if out.is_file() else None
    inputs = list(inputs)
    from_stdin = any(p is not None and str(p) == "-" for p in inputs)
    if from_stdin and out_id is not None and out_id == _stdin_identity():
        raise OutputError(
            "output is the file given on standard input; choose another output path",
            where=str(output),
        )
    for source in _inputs(inputs):
        src_real = _real(source)
        reason = None
        if out_real == src_real:
            reason = "is the input"
        elif folder and src_real.is_relative_to(out_real):
            reason = "is a folder that contains the input"
        elif folder and source.is_dir() and out_real.is_relative_to(src_real):
            reason = "is inside the input folder"
        elif source.is_dir() and out_real.is_relative_to(src_real) and _has_kind(source, out):
            # the next run over that folder (of resources, of mapping files, a dictionary)
            # would read the output as one of its inputs; a report of another kind (an HTML
            # diff beside the JSON it compares) is not read, and may live there
            kind = out.suffix or "no suffix"
            reason = f"({kind}, like files there) is inside the input folder"
        elif out_id is not None and _shares_a_file(out_id, source):
            reason = "is a link to (the same file as) the input"
        if reason:
            raise OutputError(
                f"output {reason} {source}; choose another output path", where=str(output)
            )
    _guard_project_data(out, out_real, out_id, folder)


def _guard_project_data(
    out: Path, out_real: Path, out_id: tuple[int, int] | None, folder: bool
) -> None:
    # bbmigrate's own mappings and samples are an input of every command (the default rules,
    # the tables' examples, the emulator's users), named or not: no output lands in them
    # (the next load would read it), replaces one of their files, or is a folder around them.
    for data in project_data():
        data_real = _real(data)
        reason = None
        if out_real.is_relative_to(data_real):
            reason = "is inside"
        elif folder and data_real.is_relative_to(out_real):
            reason = "is a folder that contains"
        elif out_id is not None and _shares_a_file(out_id, data):
            reason = "is a link to a file of"
        if reason:
            raise OutputError(
                f"output {reason} bbmigrate's own data folder {data}; choose another output path",
                where=str(out),
            )


def project_data() -> list[Path]:
    """bbmigrate's own data folders (mappings, samples) that exist: inputs of every command
    that reads them (map, tables, the emulator), so no output may land in or around them."""
    found = []
    for name in ("mappings", "samples"):
        try:
            found.append(data_dir(name))
        except FileNotFoundError:
            continue
    return found


def _has_kind(folder: Path, out: Path) -> bool:
    """Whether ``folder`` holds files with ``out``'s suffix (the kind its readers take)."""
    suffix = out.suffix.lower()
    return any(path.suffix.lower() == suffix for path in _files_under(folder))


def _shares_a_file(out_id: tuple[int, int], source: Path) -> bool:
    if source.is_dir():
        return any(_identity(path) == out_id for path in _files_under(source))
    return _identity(source) == out_id
