"""The build hook (``hatch_build.py``) compiles the helpers when it can and never fails a build.

The hook's decisions are checked in process with hatchling's real hook interface; one real
``pip wheel`` (no build isolation, so no network) checks that a failed compile still yields a
pure-Python wheel with one warning line.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bbmigrate.mapping import native

pytest.importorskip("hatchling")  # in the [test] extra: the wheel build backend

ROOT = Path(__file__).resolve().parents[2]


def _hook_module():
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _App:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def display_warning(self, message: str) -> None:
        self.warnings.append(message)


def _run(monkeypatch, version: str = "standard", compile_helpers=None):
    """``initialize`` then ``finalize`` of the hook for a wheel: (build_data, warnings)."""
    module = _hook_module()
    if compile_helpers is not None:
        monkeypatch.setattr(module, "compile_helpers", compile_helpers)
    app = _App()
    hook = module.CompiledHelpersHook(str(ROOT), {}, None, None, str(ROOT), "wheel", app=app)
    build_data = {"pure_python": True, "infer_tag": False, "force_include": {}}
    hook.initialize(version, build_data)
    work = hook._work
    hook.finalize(version, build_data, "")
    assert work is None or not work.exists()  # the temporary build folder is removed
    return build_data, app.warnings


def _never(*args):
    raise AssertionError("compile_helpers must not run here")


def test_hook_reads_the_module_list_from_native() -> None:
    assert _hook_module().helper_names(ROOT) == native.HELPERS


def test_compiled_modules_go_beside_their_sources(monkeypatch, tmp_path: Path) -> None:
    def fake(root, names, work):
        assert names == native.HELPERS and work.is_dir() and not work.is_relative_to(ROOT)
        return [tmp_path / f"{name}.cpython-311-x86_64-linux-gnu.so" for name in names]

    build_data, warnings = _run(monkeypatch, compile_helpers=fake)
    assert warnings == []
    assert build_data["pure_python"] is False and build_data["infer_tag"] is True
    assert build_data["force_include"] == {
        str(tmp_path / f"{n}.cpython-311-x86_64-linux-gnu.so"): (
            f"bbmigrate/mapping/{n}.cpython-311-x86_64-linux-gnu.so"
        )
        for n in native.HELPERS
    }


@pytest.mark.parametrize(
    "error", [ModuleNotFoundError("No module named 'Cython'"), OSError("gcc: not found")]
)
def test_a_failed_compile_builds_the_pure_wheel_with_one_warning(monkeypatch, error) -> None:
    def fail(root, names, work):
        raise error

    build_data, warnings = _run(monkeypatch, compile_helpers=fail)
    assert build_data == {"pure_python": True, "infer_tag": False, "force_include": {}}
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("bbmigrate: compiled helpers not built")
    assert type(error).__name__ in warnings[0]


def test_bbmigrate_pure_and_editable_builds_skip_compiling(monkeypatch) -> None:
    monkeypatch.setenv("BBMIGRATE_PURE", "1")
    build_data, warnings = _run(monkeypatch, compile_helpers=_never)
    assert build_data["pure_python"] is True and build_data["force_include"] == {}
    assert warnings == ["bbmigrate: BBMIGRATE_PURE is set: building a pure wheel"]
    monkeypatch.delenv("BBMIGRATE_PURE")
    build_data, warnings = _run(monkeypatch, version="editable", compile_helpers=_never)
    assert build_data["pure_python"] is True and warnings == []


def test_pip_builds_a_pure_wheel_when_the_compiler_fails(tmp_path: Path) -> None:
    """A real build: Cython missing (as in the test environment) or ``CC=/bin/false``."""
    env = {"PATH": "/usr/bin:/bin", "CC": "/bin/false", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--no-index", "-v", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout + done.stderr  # pip -v relays the backend's lines
    lines = [line for line in output.splitlines() if "compiled helpers not built" in line]
    assert len(lines) == 1, output[-2000:]
    (wheel,) = tmp_path.glob("bbmigrate-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert {f"bbmigrate/mapping/{n}.py" for n in native.HELPERS} <= set(names)
