"""Usage errors as one line: ``bbmigrate: error: <path>: <reason>`` for a bad path argument or
option, ``bbmigrate: error: <command>: <what>`` for any other usage mistake.

A path that does not exist or has the wrong kind is bad input like a malformed file, so it gets
the same one line and exit 2 as every other bad input. Commands declare their paths with plain
``click.Path``; :func:`adopt_paths` gives each such parameter of a command (and of its
subcommands) the wording below when the CLI registers it, so no command can be left out.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any

import click


class OneLinePath(click.Path):
    """``click.Path`` whose failures name the path first, then the reason, in plain words."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            reason = self._reason(value) or exc.message
            raise click.BadParameter(f"{os.fsdecode(value)}: {reason}", ctx, param) from None

    def _reason(self, value: Any) -> str | None:
        # Re-examine the path to say what is wrong (Click's check already failed; this only
        # words it). None falls back to Click's own message.
        try:
            mode = os.stat(value).st_mode
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                kind = {(True, False): "file", (False, True): "folder"}
                return f"no such {kind.get((self.file_okay, self.dir_okay), 'file or folder')}"
            return exc.strerror
        if not self.file_okay and stat.S_ISREG(mode):
            return "is a file; a folder is expected"
        if not self.dir_okay and stat.S_ISDIR(mode):
            return "is a folder; a file is expected"
        if self.readable and not os.access(value, os.R_OK):
            return "permission denied (not readable)"
        if self.writable and not os.access(value, os.W_OK):
            return "permission denied (not writable)"
        return None


def adopt_paths(command: click.Command) -> None:
    """Give every ``click.Path`` parameter of ``command`` and its subcommands the one-line
    wording. The parameter keeps all its settings: only its class changes."""
    for param in command.params:
        if type(param.type) is click.Path:
            param.type.__class__ = OneLinePath
    for sub in getattr(command, "commands", {}).values():
        adopt_paths(sub)


def usage_line(exc: click.UsageError) -> str:
    """The one line for a usage error: the bad path and why, with the option that named it;
    otherwise Click's message after the command's name, and where its help is."""
    param = getattr(exc, "param", None)
    # a *missing* path is a usage mistake like any other, worded by Click below
    bad_value = isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter)
    if bad_value and isinstance(getattr(param, "type", None), OneLinePath):
        # an option is named (its long form); an argument is the path itself
        named = f" ({max(param.opts, key=len)})" if isinstance(param, click.Option) else ""
        return f"{exc.message}{named}"
    names = _command_names(exc.ctx)
    message = " ".join(exc.format_message().split()).rstrip(".")  # hints come on new lines
    where = f"{' '.join(names)}: " if names else ""
    return f"{where}{message} (see '{' '.join(['bbmigrate', *names, '--help'])}')"


def _command_names(ctx: click.Context | None) -> list[str]:
    # The subcommand names below the root, whatever name the root runs under (tests call it
    # through CliRunner, where it is not "bbmigrate").
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return names[::-1]
