"""Where bbmigrate's own data files live: ``mappings/`` and ``samples/``.

In a source checkout (or an editable install) they are the top-level folders of the repository;
an installed wheel carries copies under ``bbmigrate/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory of the named data folder (``mappings`` or ``samples``)."""
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    raise FileNotFoundError(f"bbmigrate data folder {name!r} not found beside {_PACKAGE}")


def mappings_dir() -> Path:
    return data_dir("mappings")


def samples_dir() -> Path:
    return data_dir("samples")
