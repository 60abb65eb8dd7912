"""Copies of JSON values as they go into the output: the STU3 → R4 Money reshape, plain copies,
and constants with ``${var}`` filled in.

Each returns fresh containers, so the output never shares an object with the v1 input or with
a rule (the output is merged into and pruned in place).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .paths import fill_text, lookup_var

MONEY_SYSTEM = "urn:iso:std:iso:4217"
_WHOLE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


# --- value reshapes (datatype conversions, applied to copied subtrees) -----------------------


_CONTAINERS = (dict, list)


def reshape_money(value: Any) -> Any:
    """STU3 Money ``{value, system: iso4217, code}`` → R4 ``{value, currency}``, recursively.

    Always returns fresh containers, so the result is a copy the output may own.
    """
    if isinstance(value, dict):
        return _money_dict(value)
    if isinstance(value, list):
        return [reshape_money(v) for v in value]
    return value


def _money_dict(value: dict) -> dict:
    money = value.get("system") == MONEY_SYSTEM and "code" in value
    out = {}
    for key, child in value.items():
        if money and (key == "system" or key == "code"):
            continue
        if isinstance(child, _CONTAINERS):  # one test for the (many) scalar leaves
            if isinstance(child, dict):
                child = _money_dict(child)
            else:
                child = [reshape_money(v) for v in child]
        out[key] = child
    if money:
        out["currency"] = value["code"]
    return out


def plain(value: Any) -> Any:
    """A copy of a JSON value (containers only; scalars are immutable)."""
    if isinstance(value, dict):
        return {k: plain(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) if isinstance(v, _CONTAINERS) else v for v in value]
    return value


RESHAPES = {"money": reshape_money, "none": plain}
_TEMPLATED = (str, dict, list)  # what _templated may change; other scalars pass as they are


def templated(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value
        whole = _whole(value)
        if whole:  # "${name}" alone yields the variable itself (it may be a coding or a list)
            return plain(lookup_var(variables, whole))
        return fill_text(value, variables)
    if isinstance(value, dict):
        return {
            k: templated(v, variables) if isinstance(v, _TEMPLATED) else v for k, v in value.items()
        }
    if isinstance(value, list):
        return [templated(v, variables) if isinstance(v, _TEMPLATED) else v for v in value]
    return value


@functools.lru_cache(maxsize=1024)
def _whole(text: str) -> str | None:
    """The variable name when ``text`` is exactly ``${name}`` (texts come from the rules)."""
    match = _WHOLE.fullmatch(text)
    return match.group(1) if match else None
