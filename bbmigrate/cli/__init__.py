"""The ``bbmigrate`` command line: a thin Click layer over the library.

Each command lives in its own module and is registered in ``COMMANDS`` below; commands parse
options, call one library function and render the result. No mapping, fetching or diffing logic
lives here.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click

from .. import __version__
from ..errors import BBMigrateError
from ..escaping import for_terminal
from .common import terminal_stdout
from .usage import adopt_paths, usage_line

# module name -> attribute holding the click command or group (--help lists them sorted).
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "validate": "validate",
    "sandbox": "sandbox",
    "auth": "auth",
    "fetch": "fetch",
    "map": "map_command",
    "mappings": "mappings",
    "diff": "diff",
    "tables": "tables",
}


class _Main(click.Group):
    """Turns a :class:`BBMigrateError` into one line on stderr and its exit code.

    Command modules load when their command is asked for: importing them all (demo pulls in
    the client, emulator, validator and openpyxl) cost ~0.3 s before any command ran. The
    command list of ``bbmigrate --help`` is read from the modules' source (each command's
    docstring is its help), so listing the commands imports none of them.
    """

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            # a command is named like its module; any other name needs them all loaded
            _load([cmd_name] if cmd_name in COMMANDS else list(COMMANDS))
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, self.commands.get(name) or _outline(name)) for name in self.list_commands(ctx)
        ]
        rows = [(name, command) for name, command in rows if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        # `bbmigrate --bogus` fails here, before invoke(): the same one line as a subcommand's
        with _one_line_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            with _one_line_usage_errors(), terminal_stdout():
                return super().invoke(ctx)
        except BBMigrateError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            # the message may quote a value or a file name from the input: show, never obey, it
            click.echo(f"bbmigrate: error: {for_terminal(exc)}", err=True)
            sys.exit(exc.exit_code)


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    """Every usage error (a bad path, a missing argument, an unknown option, a bad value) is one
    line ``bbmigrate: error: ...`` and exit 2, like any other bad input, instead of Click's
    three-line ``Usage: / Try ... / Error:`` block. Subcommands parse their arguments inside the
    group's invoke(), so this one place covers every command."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # `bbmigrate auth` with no subcommand shows the group's help, as Click does
    except click.UsageError as exc:
        click.echo(f"bbmigrate: error: {for_terminal(usage_line(exc))}", err=True)
        sys.exit(2)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bbmigrate")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Migrate Blue Button 2.0 integrations from v1 (STU3) to v2 (R4 / CARIN Blue Button).

    \b
    Example:
      bbmigrate demo --out demo-out
    """
    ctx.ensure_object(dict)["debug"] = debug


def run() -> None:
    """The ``bbmigrate`` console script (and ``python -m bbmigrate``): :func:`main`, then an
    exit that skips the interpreter's teardown.

    Tearing the interpreter down frees every object one by one: the validator's rule sets and
    schema, a report's findings, the mapping model (~7 ms of a 0.3 s ``validate`` of 1,000 EOBs,
    paid after the work is done). A finished command needs none of it: its outputs are written,
    flushed and renamed into place by then (``jsonio.atomic_writer``). So this does what a
    normal exit does that matters — the ``atexit`` handlers (temporary-file cleanup, logging)
    and flushing stdout and stderr — and ends the process. Only where no other non-daemon
    thread is alive (a normal exit would wait for it) and the exit status is a number; else
    the normal exit. In-process callers (tests, ``CliRunner``) call :func:`main` and keep
    the normal behaviour.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if type(code) is not int or any(not thread.daemon for thread in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or a closed stream
            code = code or 120  # what the interpreter's own exit gives when the flush fails
    os._exit(code)


def _outline(module: str) -> click.Command:
    """A stand-in for ``module``'s command carrying its help text, read without importing it.

    The help is the docstring of the function the command decorates (``COMMANDS[module]``), as
    Click takes it; tests/test_cli_lazy.py checks the outlines against the real commands.
    """
    spec = importlib.util.find_spec(f".{module}", __name__)
    # read the file itself: the loader may be an import hook without get_source (pytest's
    # assertion rewriter claims our modules, as the package also provides a pytest plugin)
    try:
        source = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else None
    except OSError:
        source = None
    help_text = None
    for node in ast.parse(source or "").body:
        if isinstance(node, ast.FunctionDef) and node.name == COMMANDS[module]:
            help_text = ast.get_docstring(node)
    if help_text is None:  # not where expected: fall back to the real thing
        _load([module])
        return main.commands[module]
    return click.Command(module, help=help_text)


def _load(modules: list[str]) -> None:
    for module in modules:
        command = getattr(importlib.import_module(f".{module}", __name__), COMMANDS[module])
        if command.name not in main.commands:
            adopt_paths(command)
            main.add_command(command)
