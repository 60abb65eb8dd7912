"""Hatchling build hook: compile the mapper's helper modules with Cython, or fall back to pure.

The modules listed in ``bbmigrate/mapping/native.py`` (``HELPERS``) are compiled from their
unchanged ``.py`` source (Cython's pure-Python mode) into extension modules that go into the
wheel beside the ``.py`` files; the import system prefers the extension. The wheel is then
tagged for this interpreter and platform. Everything is built in a temporary folder, never
in the source tree.

The wheel stays pure Python (one warning line, never a failed install) when Cython or a
working C compiler is missing, or ``BBMIGRATE_PURE=1`` is set. Editable installs stay pure
without a warning: the source tree is what runs there.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "bbmigrate/mapping"

# Semantics stay exactly Python's: type hints are not turned into C types (a ``dict`` hint
# would reject a dict subclass, a ``float`` one would convert ints); ``binding`` keeps
# functions introspectable like Python ones.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True}


def helper_names(root: Path) -> tuple[str, ...]:
    """``HELPERS`` from bbmigrate/mapping/native.py, loaded by path (bbmigrate is not installed)."""
    spec = importlib.util.spec_from_file_location("_bbmigrate_native", root / PACKAGE / "native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.HELPERS)


def compile_helpers(root: Path, names: tuple[str, ...], work: Path) -> list[Path]:
    """Cythonize and compile ``names`` inside ``work``; return the extension files built.

    Raises whatever Cython, setuptools or the compiler raise (ImportError, CompileError, ...).
    """
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    # Debug symbols would make each module ~1.8 MB instead of ~0.3 MB.
    strip = ["-s"] if sys.platform.startswith("linux") else []
    extensions = [
        Extension(
            f"bbmigrate.mapping.{name}",
            [str(root / PACKAGE / f"{name}.py")],
            extra_link_args=strip,
        )
        for name in names
    ]
    modules = cythonize(
        extensions, build_dir=str(work / "c"), compiler_directives=DIRECTIVES, quiet=True
    )
    command = build_ext(Distribution({"name": "bbmigrate", "ext_modules": modules}))
    command.build_lib = str(work / "lib")
    command.build_temp = str(work / "temp")
    command.parallel = os.cpu_count() or 1
    command.ensure_finalized()
    command.run()
    built = [Path(command.get_ext_fullpath(ext.name)) for ext in modules]
    missing = [str(path) for path in built if not path.is_file()]
    if missing:
        raise RuntimeError(f"compiler produced no {', '.join(missing)}")
    return built


class CompiledHelpersHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._work: Path | None = None
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get("BBMIGRATE_PURE", "").strip() not in ("", "0"):
            self.app.display_warning("bbmigrate: BBMIGRATE_PURE is set: building a pure wheel")
            return
        root = Path(self.root)
        self._work = Path(tempfile.mkdtemp(prefix="bbmigrate-cython-"))
        try:
            built = compile_helpers(root, helper_names(root), self._work)
        except (Exception, SystemExit) as exc:  # any failure means the pure wheel
            reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            self.app.display_warning(
                f"bbmigrate: compiled helpers not built ({type(exc).__name__}: {reason}); "
                "building a pure-Python wheel (same behaviour, slower mapping)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        for path in built:
            build_data["force_include"][str(path)] = f"{PACKAGE}/{path.name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
