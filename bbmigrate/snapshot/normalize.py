"""Volatile-field normalisation for FHIR snapshots.

A snapshot must not change when only the server run changed: the time a resource was last
written, the id and timestamp of a search Bundle, and the host and port in paging links differ
on every call. BFD's own test fixtures write such values as ``"IGNORED_FIELD"``; bbmigrate uses
the same token, so a stored snapshot reads like BFD's and either kind of file can be compared
with the other.

- :func:`normalize` returns a copy of a resource with volatile values replaced by
  :data:`PLACEHOLDER` (always the defaults, plus any jsonpath-ng paths given).
- :func:`placeholder_matches` is the rule for comparing: a snapshot value ``"IGNORED_FIELD"``
  matches any value, and a string containing it matches any text in that place
  (``"https://localhost:IGNORED_FIELD/v2/fhir"`` matches any port).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import orjson
from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as parse_jsonpath

from ..errors import InputError
from ..jsonio import loads

PLACEHOLDER = "IGNORED_FIELD"
# Scheme, host and port of a Bundle link or fullUrl become this; path and query stay, since
# they say which page and which resource a link points to. It is the base BFD's own fixtures
# use, so a BFD response file serves as a snapshot of a normalised Bundle as it is.
URL_BASE_PLACEHOLDER = f"https://localhost:{PLACEHOLDER}"


@functools.lru_cache(maxsize=256)
def compile_path(path: str) -> JSONPath:
    """Parse one jsonpath-ng path (extended syntax, so ``[?(@.url=='…')]`` filters work)."""
    try:
        return parse_jsonpath(path)
    except (JsonPathParserError, JsonPathLexerError, AttributeError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"invalid jsonpath: {reason}", where=repr(path)) from None


def compile_paths(paths: Iterable[str]) -> tuple[JSONPath, ...]:
    """Compile ignore paths, failing on the first bad one with an error naming it."""
    return tuple(compile_path(path) for path in paths)


def to_json_data(resource: Any) -> Any:
    """A deep copy of ``resource`` as plain JSON data (dict/list/str/number/bool/None).

    Accepts parsed JSON, a JSON ``str``/``bytes`` document, or a pydantic model such as a
    ``fhir.resources`` resource. The copy goes through orjson, which also turns tuples into
    lists, so normalising never touches the caller's object.
    """
    if isinstance(resource, (str, bytes, bytearray)):
        return loads(
            bytes(resource) if isinstance(resource, bytearray) else resource, where="snapshot data"
        )
    dump = getattr(resource, "model_dump", None)
    if callable(dump):
        return dump(mode="json", by_alias=True, exclude_none=True)
    try:
        return orjson.loads(orjson.dumps(resource, default=_json_default))
    except orjson.JSONEncodeError as exc:  # an int past 64 bits, nesting past orjson's limit
        raise InputError(f"cannot snapshot this data: {exc}", where="snapshot data") from None


def _json_default(value: Any) -> Any:
    # Decimal (fhir.resources, json.loads(parse_float=Decimal)) and other numbers-as-objects.
    if hasattr(value, "as_tuple"):
        return float(value)
    raise TypeError(f"cannot snapshot a value of type {type(value).__name__}")


def _base_replaced(url: Any) -> Any:
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return url
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    return URL_BASE_PLACEHOLDER + rest


def _normalize_bundle(bundle: dict[str, Any]) -> None:
    for key in ("id", "timestamp"):
        if key in bundle:
            bundle[key] = PLACEHOLDER
    for link in bundle.get("link") or ():
        if isinstance(link, dict) and "url" in link:
            link["url"] = _base_replaced(link["url"])
    for entry in bundle.get("entry") or ():
        if isinstance(entry, dict) and "fullUrl" in entry:
            entry["fullUrl"] = _base_replaced(entry["fullUrl"])


def _normalize_defaults(node: Any) -> None:
    # Iterative walk: a Bundle of hundreds of EOBs nests deeply enough that recursion
    # costs more than it reads well.
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            meta = current.get("meta")
            if isinstance(meta, dict) and "lastUpdated" in meta:
                meta["lastUpdated"] = PLACEHOLDER
            if current.get("resourceType") == "Bundle":
                _normalize_bundle(current)
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))


def normalize(resource: Any, *, ignore: Iterable[str] = ()) -> Any:
    """Return a normalised copy of ``resource``: volatile fields and ``ignore`` paths replaced.

    The defaults are ``meta.lastUpdated`` anywhere (contained resources and Bundle entries
    included) and, in every Bundle, ``id``, ``timestamp`` and the scheme/host/port of
    ``link[].url`` and ``entry[].fullUrl``. ``ignore`` holds jsonpath-ng paths, e.g.
    ``"$.meta.versionId"`` or ``"$.item[*].sequence"``; a path that matches nothing is fine.
    """
    data = to_json_data(resource)
    _normalize_defaults(data)
    return ignored(data, ignore)


def ignored(data: Any, paths: Iterable[str]) -> Any:
    """``data`` (plain JSON data, changed in place where possible) with the values at the
    jsonpath-ng ``paths`` replaced by :data:`PLACEHOLDER`.

    Applied to the received value when serialising and to the stored one when comparing, so a
    path added after a snapshot was recorded ignores that field on both sides.
    """
    for expression in compile_paths(paths):
        for match in expression.find(data):
            data = match.full_path.update(data, PLACEHOLDER)
    return data


@functools.lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern[str]:
    pieces = (re.escape(piece) for piece in text.split(PLACEHOLDER))
    return re.compile(".*?".join(pieces), re.DOTALL)


def placeholder_matches(snapshot_value: Any, received: Any) -> bool:
    """Whether a snapshot value holding the placeholder accepts ``received``.

    ``"IGNORED_FIELD"`` accepts any value (of any type); a longer string containing it accepts a
    string with any text in the placeholder's place. Values without the placeholder accept
    nothing here: they are compared normally.
    """
    if not isinstance(snapshot_value, str) or PLACEHOLDER not in snapshot_value:
        return False
    if snapshot_value == PLACEHOLDER:
        return True
    return isinstance(received, str) and _pattern(snapshot_value).fullmatch(received) is not None
