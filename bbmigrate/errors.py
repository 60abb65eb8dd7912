"""The errors bbmigrate raises.

Every error a user should catch derives from :class:`BBMigrateError`. Its ``str()`` is one line
that starts with the place (file, line, rule, URL) and then says what is wrong; the CLI prints
exactly that line and exits with the error's ``exit_code``.

    BBMigrateError
    ├── InputError          malformed JSON, wrong FHIR version, unknown resource or claim type,
    │                       truncated bundle or NDJSON line                    (exit 2)
    ├── MappingError        a mapping file or rule is wrong
    │   ├── MappingFileError    file, line, rule id, key                       (exit 2)
    │   └── RuleError           a rule failed on a given resource              (exit 2)
    ├── FetchError          the BB2 API could not be read                      (exit 3)
    │   ├── AuthError           login, consent, token exchange or refresh failed
    │   └── ApiError            an HTTP status the client does not recover from
    └── OutputError         an output could not be written (nothing half-written is left)
"""

from __future__ import annotations


class BBMigrateError(Exception):
    """Root of bbmigrate's errors. ``where`` names the place; the message says what is wrong."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(BBMigrateError):
    """Input that bbmigrate cannot read as the data it expects."""


class MappingError(BBMigrateError):
    """A problem with the mapping files or with applying a rule."""


class MappingFileError(MappingError):
    """A mapping file is malformed: unknown key, operation or lookup, or a bad path."""


class RuleError(MappingError):
    """A rule raised while mapping a resource."""


class FetchError(BBMigrateError):
    """The Blue Button API could not be read."""

    exit_code = 3


class AuthError(FetchError):
    """Authorization, token exchange or refresh failed."""


class ApiError(FetchError):
    """The server answered with a status the client does not recover from."""

    def __init__(self, message: str, *, status: int, url: str, where: str | None = None) -> None:
        super().__init__(message, where=where or url)
        self.status = status
        self.url = url


class OutputError(BBMigrateError):
    """An output file could not be written."""
