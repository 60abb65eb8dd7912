"""Native Python closures for the FHIRPath subset the profiles' invariants use.

fhirpathpy interprets its parse tree on every call (~0.2 ms per invariant evaluation, most of the
validator's time). This module walks the same parse tree once per expression and builds plain
closures over Python lists. It mirrors fhirpathpy's own semantics (not the spec's where they
differ, e.g. ``=`` on an empty operand), so the two evaluators give the same answer; the
equivalence is proven by ``tests/test_validate_fhirpath_native.py``.

Two escape hatches keep it honest: :class:`Unsupported` at compile time (a function or
construct outside the subset: the expression stays on fhirpathpy) and :class:`Fallback` at run
time (data the subset does not model exactly, such as choice types, primitive extensions,
decimals or non-Boolean operands: that one evaluation is redone by fhirpathpy).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

# (input collection, $this, environment) -> output collection
Closure = Callable[[list, list, "Env"], list]
_PRIMITIVE = (str, bool, int)


class Unsupported(Exception):
    """The expression uses something outside the native subset."""


class Fallback(Exception):
    """This evaluation needs fhirpathpy's full data model."""


class Env:
    """Per-evaluation variables and the ``memberOf`` implementation."""

    __slots__ = ("member_of", "variables")

    def __init__(self, variables: Mapping[str, Any], member_of: Callable[[list, str], list]):
        self.variables = variables
        self.member_of = member_of


def compile_expression(parsed: Mapping) -> Closure:
    """Closure for fhirpathpy's parse tree of one expression; raises :class:`Unsupported`."""
    return _node(parsed["children"][0])


def evaluate(closure: Closure, focus: Any, env: Env) -> list:
    return closure([focus], [focus], env)


# --- collection helpers (each mirrors the fhirpathpy function it names) -------------------------


def _singleton_bool(coll: list) -> Any:
    """Boolean operand as fhirpathpy's make_param gives it: [] stays a list, else a bool."""
    if not coll:
        return []
    if len(coll) == 1 and isinstance(coll[0], bool):
        return coll[0]
    raise Fallback


def _arraify(value: Any) -> list:
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def _primitive(coll: list) -> list:
    for item in coll:
        if not isinstance(item, _PRIMITIVE):
            raise Fallback
    return coll


def _member(name: str, first: bool) -> Closure:
    capitalised = name[:1].isupper()

    def is_resource(item: Any) -> bool:
        return isinstance(item, Mapping) and item.get("resourceType") == name

    def run(data: list, this: list, env: Env) -> list:
        if capitalised:
            # ``ExplanationOfBenefit.x`` at the start of a path selects the resource itself.
            if first and all(
                isinstance(i, Mapping) and i.get("resourceType") == name for i in data
            ):
                return data
            raise Fallback
        out: list = []
        for item in data:
            if not isinstance(item, Mapping):
                if name in ("id", "extension"):
                    raise Fallback  # may be a primitive's extension data
                continue
            if "_" + name in item:
                raise Fallback
            if name not in item:
                size = len(name)
                if any(len(k) > size and k.startswith(name) and k[size].isupper() for k in item):
                    raise Fallback  # a choice type such as value[x]
                continue
            value = item[name]
            for one in value if isinstance(value, list) else (value,):
                if one is None or isinstance(one, float | list):
                    raise Fallback
                out.append(one)
        return out

    return run


# --- functions ----------------------------------------------------------------------------------


def _criteria_true(result: list) -> bool:
    if not result:
        return False
    if isinstance(result[0], bool):
        return result[0]
    raise Fallback


def _fn_where(crit: Closure) -> Closure:
    return lambda d, t, e: [x for x in d if _criteria_true(crit([x], [x], e))]


def _fn_exists(args: list[Closure]) -> Closure:
    if not args:
        return lambda d, t, e: [bool(d)]
    where = _fn_where(args[0])
    return lambda d, t, e: [bool(where(d, t, e))]


def _fn_all(crit: Closure) -> Closure:
    def run(data: list, this: list, env: Env) -> list:
        for x in data:
            result = crit([x], [x], env)
            if result and not (len(result) == 1 and isinstance(result[0], bool)):
                raise Fallback
            if result != [True]:
                return [False]
        return [True]

    return run


def _fn_select(expr: Closure) -> Closure:
    return lambda d, t, e: [y for x in d for y in expr([x], [x], e)]


def _fn_not(data: list, this: list, env: Env) -> list:
    if len(data) != 1:
        return []
    if isinstance(data[0], bool):
        return [not data[0]]
    raise Fallback


def _string_arg(arg: Closure) -> Closure:
    def run(data: list, this: list, env: Env) -> Any:
        value = arg(data, data, env)
        if len(value) == 1 and isinstance(value[0], str):
            return value[0]
        raise Fallback

    return run


def _fn_starts_with(arg: Closure) -> Closure:
    prefix = _string_arg(arg)

    def run(data: list, this: list, env: Env) -> list:
        if len(data) == 1 and isinstance(data[0], str):
            return [data[0].startswith(prefix(data, this, env))]
        raise Fallback

    return run


def _fn_member_of(arg: Closure) -> Closure:
    url = _string_arg(arg)
    return lambda d, t, e: e.member_of(list(d), url(d, t, e))


def _fn_subset_of(other: Closure) -> Closure:
    def run(data: list, this: list, env: Env) -> list:
        pool = _primitive(other(data, this, env))
        return [all(item in pool for item in _primitive(data))]

    return run


def _fn_resolve(data: list, this: list, env: Env) -> list:
    raise Fallback  # fhirpathpy has no resolve() either: let it report that the same way


def _function(node: Mapping) -> Closure:
    functn = node["children"][0]
    name = functn["children"][0]["text"]
    params = functn["children"][1]["children"] if len(functn["children"]) > 1 else []
    args = [_node(p) for p in params]
    if name == "exists" and len(args) <= 1:
        return _fn_exists(args)
    if name == "empty" and not args:
        return lambda d, t, e: [not d]
    if name == "count" and not args:
        return lambda d, t, e: [len(d)]
    if name == "not" and not args:
        return _fn_not
    if name == "resolve" and not args:
        return _fn_resolve
    if len(args) == 1:
        if name == "where":
            return _fn_where(args[0])
        if name == "all":
            return _fn_all(args[0])
        if name == "select":
            return _fn_select(args[0])
        if name == "startsWith":
            return _fn_starts_with(args[0])
        if name == "memberOf":
            return _fn_member_of(args[0])
        if name == "subsetOf" and params[0]["text"].startswith("%"):
            # fhirpathpy evaluates this argument against a shared $this; only a variable-rooted
            # argument is independent of it.
            return _fn_subset_of(args[0])
    raise Unsupported(f"function {name}()")


# --- operators ----------------------------------------------------------------------------------


def _logic(op: str, a: Any, b: Any) -> Any:
    # fhirpathpy's logic.and_op / or_op / implies_op, with [] standing for the empty collection.
    if op == "and":
        if isinstance(b, list):
            return False if a is False else []
        if isinstance(a, list):
            return [] if b is True else False
        return a and b
    if op == "or":
        if isinstance(b, list):
            return True if a is True else []
        if isinstance(a, list):
            return True if b is True else []
        return a or b
    if op == "xor":
        return [] if isinstance(a, list) or isinstance(b, list) else a is not b
    if isinstance(b, list):  # implies
        return True if a is False else []
    if isinstance(a, list):
        return True if b is True else []
    return True if a is False else (a and b)


def _equal(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    x, y = a[0], b[0]
    if isinstance(x, _PRIMITIVE) and isinstance(y, _PRIMITIVE):
        return x == y
    if (
        isinstance(x, Mapping)
        and isinstance(y, Mapping)
        and "resourceType" in x
        and "resourceType" in y
    ):
        return x == y  # whole resources (never a Quantity, which fhirpathpy compares apart)
    raise Fallback


def _binary(op: str, left: Closure, right: Closure) -> Closure:
    def run(data: list, this: list, env: Env) -> list:
        a = left(data, data, env)
        b = right(data, data, env)
        if op in ("and", "or", "xor", "implies"):
            return _arraify(_logic(op, _singleton_bool(a), _singleton_bool(b)))
        if op == "|":
            unique: dict[str, Any] = {}
            for item in _primitive(a + b):
                unique[json.dumps(item)] = item
            return list(unique.values())
        if op == "in":
            if not a:
                return []
            if not b:
                return [False]
            if len(a) > 1:
                raise Fallback
            _primitive(a)
            return [any(item == a[0] for item in _primitive(b))]
        if not a or not b:  # the remaining operators are "nullable" in fhirpathpy
            return []
        if op == "=":
            return [_equal(a, b)]
        if op == "!=":
            return [not _equal(a, b)]
        if len(a) == 1 == len(b) and all(type(v) is int for v in (a[0], b[0])):
            x, y = a[0], b[0]
            return [{"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y, "+": x + y}[op]]
        raise Fallback

    return run


_BINARY = {
    "AndExpression",
    "OrExpression",
    "ImpliesExpression",
    "EqualityExpression",
    "InequalityExpression",
    "MembershipExpression",
    "UnionExpression",
    "AdditiveExpression",
}
_OPERATORS = {"and", "or", "xor", "implies", "=", "!=", "in", "|", "<", ">", "<=", ">=", "+"}


def _literal(node: Mapping) -> Closure:
    inner = node["children"][0]
    text = inner["text"]
    if inner["type"] == "StringLiteral" and "\\" not in text:
        value: Any = text[1:-1]
    elif inner["type"] == "BooleanLiteral":
        value = text == "true"
    elif inner["type"] == "NumberLiteral" and text.isdigit():
        value = int(text)
    else:
        raise Unsupported(f"literal {text}")
    return lambda d, t, e: [value]


def _variable(node: Mapping) -> Closure:
    name = node["children"][0]["children"][0]["text"]
    if name not in ("resource", "rootResource", "context"):
        raise Unsupported(f"%{name}")
    return lambda d, t, e: _arraify(e.variables[name])


def _node(node: Mapping, first: bool = True) -> Closure:
    kind = node.get("type")
    children = node.get("children", [])
    if kind in ("TermExpression", "InvocationTerm", "ParenthesizedTerm"):
        return _node(children[0], first)
    if kind == "InvocationExpression":
        head, step = _node(children[0], first), _node(children[1], False)
        return lambda d, t, e: step(head(d, t, e), t, e)
    if kind == "MemberInvocation":
        return _member(children[0]["text"], first)
    if kind == "FunctionInvocation":
        return _function(node)
    if kind == "ThisInvocation":
        return lambda d, t, e: t
    if kind == "LiteralTerm":
        return _literal(node)
    if kind == "ExternalConstantTerm":
        return _variable(node)
    if kind in _BINARY and node["terminalNodeText"][0] in _OPERATORS:
        return _binary(node["terminalNodeText"][0], _node(children[0]), _node(children[1]))
    if kind == "TypeExpression" and node["terminalNodeText"] == ["is"]:
        return _is(_node(children[0]))
    raise Unsupported(str(kind))


def _is(left: Closure) -> Closure:
    def run(data: list, this: list, env: Env) -> list:
        if left(data, data, env):
            raise Fallback  # type tests need the FHIR model
        return []

    return run
