"""The rules of a resource map compiled to Python source, for plain mapping (``map_resource``).

The interpreter (:mod:`.ops`) decides, for every element of every resource, a rule's claim-type
and quirk gates, its op, how to walk its paths and where to write. Nothing is tracked in plain
mapping, and within one resource map the claim type, the quirk switch and every variable except
those a ``route`` (``key``, ``row``), a ``bind`` or a lookup default (``value``) sets are fixed,
so all of that is decided once here, and what is left is written out as Python source:

* one function per rule list (the top-level rules, and the nested rules of each ``each`` /
  ``route`` branch, which become a *builder*: build one v2 element from one v1 element and
  place it); a rule is an ``if`` on its first v1 field followed by its op, inlined;
* the common ops (``copy``, ``constant``, ``each``, ``route``) and the common paths (``@``, one
  field, ``name[*]``, targets of plain fields and ``[+]``) are inlined as dict operations;
* rules for other claim types, switched-off quirks and ``drop`` (which only consumes) are left
  out; constants are filled in once, each use builds a fresh copy (a compiled Python display);
* the fields each rule can add to the element being built are known here (:func:`_written`),
  so a write whose first field cannot be there yet is one statement (:meth:`_Generator.fresh`);
* a failing rule is named from the line its exception went through (``#> L<n> <index>``
  marker comments, :func:`_rule_at`): nothing is stored per rule while all goes well.

Less common shapes call small specialised helpers (:mod:`.access` readers/writers,
:mod:`.valueops` for ``lookup``/``link``/``rewrite`` and variable-dependent constants); the rare
ops (``renumber``, ``dedupe``, ``resource``, a table that depends on a changing variable) call
the interpreter's op functions, as does a rule list run on something that is not an object.
``map_with_provenance`` and ``unmapped`` keep the interpreter; tests check that both build the
same bytes. The generated source is kept (``source_of``) and registered with :mod:`linecache`
so that a traceback through it shows the generated lines.

Every generated function, constant and helper is named by its content (the text of a function,
which names what it calls by content too; the value of a constant; what a helper is made
from) in one namespace per mapping set: a builder that several claim types have in common is
one function, and anything that differs between them (a constant filled from a claim type's
variables, a table one chooses) has a name of its own.
"""

from __future__ import annotations

import hashlib
import linecache
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import RuleError
from .access import copier, display, first_reader, path_names, reader, writer
from .context import Context, Link
from .jsonkeys import parsed_key
from .loops import copy_builder, each_build, route_build
from .model import MappingSet, ResourceMap, Route, Rule
from .ops import OPS, _origin, apply
from .paths import (
    APPEND,
    EACH,
    FIELD,
    PROTO,
    ROOT,
    any_equal,
    equals,
    fill,
    fill_text,
    first,
    first_of,
    template_names,
)
from .refs import bound_variables, follow_reference, is_linked, linked_refs, linked_set
from .shapes import plain, templated
from .tables import DROPPED, table_chain
from .valueops import (
    BUILDERS,
    GLOBAL,
    checked_copy,
    copy_dict,
    copy_write,
    has_empty,
    merge_copy,
    reads_only_route_vars,
    recoder,
    route_row_filler,
    strings,
)
from .write import assign, merge

Fn = Callable[[Context, Any, dict], None]
_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)
_CONTAINERS = (dict, list)
# variables that change while one resource is mapped (route key/row, lookup default value);
# ``bind`` names are added per resource map
_DYNAMIC = frozenset({"key", "row", "value"})
# does a route's subtree read the key/row it sets (as ${key}, ${row.x} or a [~row] prototype)?
_READS_ROUTE_VARS = re.compile(r"\$\{(?:key|row)[.}]|\[~(?:key|row)\]")
# general ops that never write an empty element (the others mark the output for pruning)
_NEVER_EMPTY = frozenset({"renumber", "dedupe"})
_INHERIT = (("field", "^"),)  # ``origin: "^"``: the enclosing element's origin
_PLACES = frozenset(OPS) - {"resource"}  # the ops that write only at their targets (_written)
_MARK = "#> "  # a comment line ``#> L_<name> <index>``: rule ``index`` of a rule list begins
_SELF = "__fn__"  # a generated function's own name until its text is complete (see define)
_STARTS = "__starts__"  # the name of its rules' first lines, likewise
_TEMP = re.compile(r"\b_t\d+\b")  # the walrus temporaries of first(), numbered per function
_PROTO_VAR = re.compile(r"\[~([^\]]+)\]")  # the variable of a ``[~var]`` step in a path text


def _content(value: Any) -> Any:
    """A key equal for equal JSON-like values (their types and order included) and for rules
    that read alike, else None (the value is named by identity). Generated functions and their
    constants are named by it, so what claim types have in common is one object."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool, bytes):
        return (kind.__name__, repr(value))
    if kind is Rule:
        return ("Rule", value.text)
    if isinstance(value, tuple) or kind is list:
        items = tuple(_content(item) for item in value)
        return None if None in items else (kind.__name__, items)
    if kind is frozenset:
        items = tuple(sorted(repr(_content(item)) for item in value))
        return None if "None" in items else (kind.__name__, items)
    if kind is dict:
        pairs = tuple((_content(k), _content(v)) for k, v in value.items())
        return None if any(None in pair for pair in pairs) else ("dict", pairs)
    return None


def _unkeyed(key: Any) -> bool:
    """Does ``key`` hold a part :func:`_content` could not name (None)?"""
    if key is None:
        return True
    return type(key) is tuple and any(_unkeyed(part) for part in key)


def _digest(key: Any) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:16]


def _namespace(mapping: MappingSet) -> dict[str, Any]:
    """The globals of every function generated for ``mapping`` (all its resource maps): one
    dict, its names given by content (:meth:`_Generator.name`, :meth:`_Generator.define`), so
    a builder that eight claim types share is one function, with one code object warm in the
    CPU's caches, where eight copies did not fit together (docs/mapper-speed.md, round 14)."""
    ns = mapping.memo.get("codegen-globals")
    if ns is None:
        ns = mapping.memo["codegen-globals"] = {
            "RuleError": RuleError,
            "_ERRORS": _ERRORS,
            "_C": _CONTAINERS,
            "_rule_error": _rule_error,
            "_rule_at": _rule_at,
            "checked_copy": checked_copy,
            "copy_dict": copy_dict,
            "copy_write": copy_write,
            "merge_copy": merge_copy,
            "assign": assign,
            "merge": merge,
            "first": first,
            "_origin": _origin,
            "_build_with": _build_with,
            "Link": Link,
            "GLOBAL": GLOBAL,
            "_ABSENT": _ABSENT,
            "_put_back": _put_back,
            "_position": _position,
            "linked_refs": linked_refs,
            "linked_set": linked_set,
            "any_equal": any_equal,
            "first_of": first_of,
            "each_build": each_build,
            "route_build": route_build,
            "_DROPPED": DROPPED,
        }
    return ns


def compiled_rules(mapping: MappingSet, rmap: ResourceMap) -> Fn:
    """The rules of ``rmap`` as one function ``run(ctx, resource, out)`` (generated once);
    ``out`` is a new empty object, which is ``ctx.out``."""
    key = ("compiled", id(rmap))
    run = mapping.memo.get(key)
    if run is None:
        run = mapping.memo[key] = _Generator(mapping, rmap).compile()
    return run


def source_of(mapping: MappingSet, rmap: ResourceMap) -> str:
    """The Python source generated for ``rmap`` (for reading and for tests)."""
    return _Generator(mapping, rmap).compile().__bbmigrate_source__  # type: ignore[attr-defined]


def _rule_at(starts: list[int], exc: Exception) -> int:
    """The index of the rule whose lines ``starts`` from the rule list's function where
    ``exc`` was caught; -1: before the first rule."""
    return bisect_right(starts, exc.__traceback__.tb_lineno) - 1  # type: ignore[union-attr]


def _rule_error(rule: Rule, exc: Exception) -> RuleError:
    return RuleError(f"rule {rule.id} ({rule.op}) failed: {exc}", where=str(rule.origin))


class _Generator:
    def __init__(self, mapping: MappingSet, rmap: ResourceMap) -> None:
        self.mapping = mapping
        self.rmap = rmap
        self.variables = dict(rmap.variables)  # lookup_var and fill read plain dicts
        binds = {n for r in rmap.all_rules() for n in r.params.get("bind_paths") or {}}
        self.dynamic = _DYNAMIC | binds
        self.binds = frozenset(binds)
        self.ns = _namespace(mapping)
        self.sources: dict[str, str] = {}  # the functions this resource map runs, by name
        self.count = 0
        self.row_consts: list | None = None  # see builder()
        # the keys the element being built may have by now (None: any; see fresh())
        self.present: set[str] | None = None

    # --- what is fixed for the whole resource map (also read by the valueops builders) -------

    reader = staticmethod(reader)
    copier = staticmethod(copier)

    def is_static(self, names: list[str]) -> bool:
        return all(name.split(".", 1)[0] not in self.dynamic for name in names)

    def writer(self, rule_path: Any) -> Any:
        return writer(rule_path, self.variables if self.is_static(path_names(rule_path)) else None)

    def write_fn(self, path: Any) -> str:
        """A global bound to :meth:`writer` of ``path``."""
        key = (_content(path), self.var_key(path_names(path)))
        return self.made("write", key, lambda: self.writer(path))  # type: ignore[return-value]

    def table(self, rule: Rule) -> Any:
        """The rule's table chain when it does not depend on a changing variable, else None."""
        names = rule.params["table"]
        names = tuple(names) if isinstance(names, list) else (names,)
        used = [v for n in names for v in template_names(n)]
        if not self.is_static(used):
            return None
        return table_chain(self.mapping, tuple(fill_text(n, self.variables) for n in names))

    def active(self, rule: Rule) -> bool | None:
        """True / False when known now; None when the claim type can change (a ``bind``)."""
        if rule.quirk and not self.mapping.quirks:
            return False
        if rule.claim_types:
            if "claim_type" in self.dynamic:
                return None
            return self.variables.get("claim_type") in rule.claim_types
        return True

    def guard(self, rule: Rule) -> Callable[[Any, Context], bool]:
        """``when`` / ``unless`` / ``linked_from`` / ``unlinked_from`` as one test of an element."""
        params = rule.params
        holds = []
        for name, expect in (("when", True), ("unless", False)):
            path = params.get(f"{name}_path")
            if path is not None:
                rooted = bool(path) and path[0][0] == ROOT  # a test of the output built so far
                holds.append(
                    (
                        rooted,
                        reader(path[1:] if rooted else path),
                        params.get(f"{name}_value"),
                        expect,
                    )
                )
        links = [
            (params[key], expect)
            for key, expect in (("linked_from_path", True), ("unlinked_from_path", False))
            if key in params
        ]

        def guard(src: Any, ctx: Context) -> bool:
            for rooted, get, want, expect in holds:
                found = get(ctx.out if rooted else src)
                ok = bool(found) if want is None else any(equals(v, want) for v in found)
                if ok is not expect:
                    return False
            return all(is_linked(src, path, ctx) is expect for path, expect in links)

        return guard

    # --- source bookkeeping -------------------------------------------------------------------

    def name(self, prefix: str, value: Any) -> str:
        """A global of the generated code bound to ``value``, named by its content where it
        has one (:func:`_content`: equal constants are one object), else by its identity."""
        key = _content(value)
        label = f"{prefix}_{_digest(key)}" if key is not None else f"{prefix}_o{id(value):x}"
        if label not in self.ns:  # (an identity's object stays bound: its id is not reused)
            self.ns[label] = value
        return label

    def made(self, prefix: str, key: Any, make: Callable[[], Any]) -> str | None:
        """A global bound to what ``make()`` gives (None: nothing, no name), made once for the
        mapping set per ``key``, which must say all that it depends on (see :func:`_content`):
        so what claim types have in common is one object, and their code one function."""
        if _unkeyed(key):  # something in it has no content key: its own object and name
            value = make()
            return None if value is None else self.name(prefix, value)
        label = f"{prefix}_{_digest((prefix, key))}"
        if label not in self.ns:
            value = make()
            if value is None:
                return None
            self.ns[label] = value
        return label

    def var_key(self, names: Iterable[str]) -> tuple:
        """What of this resource map the variables ``names`` read (``row.x`` reads ``row``):
        their values, and which variables change while mapping (its binds)."""
        roots = sorted({name.split(".", 1)[0] for name in names})
        fixed = tuple((n, _content(self.variables.get(n))) for n in roots)
        return fixed, tuple(sorted(self.binds))

    def rule_key(self, rule: Rule) -> tuple:
        """All that a helper made from ``rule`` and this resource map depends on: the rule,
        and the variables any of its texts names (``${name}``, ``[~name]``)."""
        names = [*template_names(rule.text), *_PROTO_VAR.findall(rule.text)]
        return ("Rule", rule.text), self.var_key(names)

    def copy_of(self, proto: Any) -> str:
        """A global bound to a function that makes a fresh copy of ``proto``."""
        return self.made("make", _content(proto), lambda: copier(proto))  # type: ignore[return-value]

    def read(self, path: Any) -> str:
        """A global bound to the :mod:`.access` reader of ``path``."""
        return self.made("read", _content(path), lambda: reader(path))  # type: ignore[return-value]

    def define(self, prefix: str, lines: list[str]) -> str:
        """Compile the function ``lines`` (named ``__fn__`` there) under a name given by its
        text, once for the mapping set; the name. Its text names its constants and the
        functions it calls by their content (:meth:`name`, :meth:`made`), so equal text is
        equal behaviour, and claim types that have a builder in common share it."""
        source = "\n".join(lines) + "\n"
        temps: dict[str, str] = {}
        source = _TEMP.sub(lambda m: temps.setdefault(m.group(), f"_t{len(temps)}"), source)
        label = f"{prefix}_{_digest(source)}"
        source = source.replace(_SELF, label).replace(_STARTS, f"L_{label}")
        if label not in self.ns:
            filename = f"<bbmigrate-rules {label}>"
            code = compile(source, filename, "exec")
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            starts: list[int] = []
            for number, line in enumerate(source.splitlines(), start=1):
                if line.lstrip().startswith(_MARK):
                    assert int(line.rsplit(" ", 1)[1]) == len(starts)
                    starts.append(number)
            # bound whole before the function: another thread generating the same text binds
            # an equal list and an equal function, never a half-filled one
            self.ns[f"L_{label}"] = starts
            exec(code, self.ns)
        self.sources.setdefault(label, source)
        return label

    def key(self, name: str) -> str:
        """An expression for the field ``name`` of an input object: a global bound to the str
        object ``orjson.loads`` gives for that key (:mod:`.jsonkeys`: lookups in parsed input
        match by identity), named by the field (the same in every claim type's source)."""
        if not (name.isidentifier() and name.isascii() and len(name) <= 64):
            return repr(name)
        label = f"F_{name}"
        if label not in self.ns:
            self.ns[label] = parsed_key(name)
        return label

    def compile(self) -> Fn:
        run = self.ns[self.rule_list(self.rmap.rules)]
        # every function this map runs, those it shares with other maps included
        run.__bbmigrate_source__ = "".join(self.sources.values())
        return run

    # --- rule lists ---------------------------------------------------------------------------

    def steps(self, rules: tuple[Rule, ...]) -> list[tuple[Rule, bool]]:
        """The rules that can do something here, each with "gate on the claim type"."""
        out = []
        for rule in rules:
            active = self.active(rule)
            if active is False or rule.op == "drop":  # drop only consumes
                continue
            out.append((rule, active is None))
        return out

    def general(self, steps: list[tuple[Rule, bool]]) -> str:
        """The interpreter over ``steps``: for a rule list run on a non-object element."""
        rules = tuple(rule for rule, _ in steps)

        def general(ctx: Context, src: Any, dst: dict) -> None:
            for rule in rules:
                apply(rule, ctx, src, (), dst)
            ctx.maybe_empty.append(GLOBAL)  # the interpreter keeps no marks

        return self.made("general", _content(rules), lambda: general)  # type: ignore[return-value]

    def rule_list(self, rules: tuple[Rule, ...]) -> str:
        steps = self.steps(rules)
        slow = self.general(steps)
        out: list[str] = [f"def {_SELF}(ctx, src, dst):"]
        out.append(f"    if type(src) is not dict: return {slow}(ctx, src, dst)")
        self.present = set()  # ``dst`` is the new resource: empty (see compiled_rules)
        try:
            out += self.body(steps, "src", "dst", 1, at_root=True)
        finally:
            self.present = None
        return self.define("run", out)

    def body(
        self, steps: list[tuple[Rule, bool]], src: str, dst: str, depth: int, at_root: bool = False
    ) -> list[str]:
        """The rules of a list on the object ``src`` into ``dst``, failures named by rule;
        ``at_root``: ``dst`` is the resource's root (``ctx.out``)."""
        pad = "    " * depth
        if not steps:
            return [f"{pad}pass"]
        table = self.name("R", tuple(rule for rule, _ in steps))
        starts = _STARTS  # the first line of each rule, filled in by define()
        out = [f"{pad}try:"]
        for index, (rule, gated) in enumerate(steps):
            tests = []
            if rule.v1_head is not None:
                tests.append(f"{self.key(rule.v1_head)} in {src}")
            if gated:
                types = self.name("CT", rule.claim_types)
                tests.append(f"ctx.variables.get('claim_type') in {types}")
            inner = pad + "    "
            if tests:
                out.append(f"{inner}if {' and '.join(tests)}:")
                inner += "    "
            # which rule failed is told by the line it failed on (see _rule_at): a marker,
            # not a statement, so that nothing is spent on it while all goes well
            out.insert(len(out) - 1 if tests else len(out), f"{pad}    {_MARK}{starts} {index}")
            out += [inner + line for line in self.rule(rule, src, dst, index)]
            if self.present is not None:
                written = _written(rule, at_root)
                self.present = None if written is None else self.present | written
        out += [
            f"{pad}except RuleError:",
            f"{pad}    raise",
            f"{pad}except _ERRORS as exc:",
            f"{pad}    _r = _rule_at({starts}, exc)",
            f"{pad}    if _r < 0: raise",
            f"{pad}    raise _rule_error({table}[_r], exc) from exc",
        ]
        return out

    def rule(self, rule: Rule, src: str, dst: str, index: int) -> list[str]:
        """Lines (unindented) applying one rule; locals carry ``index`` so none collide."""
        op = rule.op
        if not rule.exact_paths:
            if op == "copy":
                return self.copy(rule, src, dst, index)
            if op == "constant":
                lines = self.constant(rule, src, dst, index)
                if lines is not None:
                    return lines
            if op == "each":
                return self.each(rule, src, dst, index)
            if op == "route":
                lines = self.route(rule, src, dst, index)
                if lines is not None:
                    return lines
            if op == "lookup":
                lines = self.lookup(rule, src, dst, index)
                if lines is not None:
                    return lines
            make = BUILDERS.get(op)
            fn = None
            if make is not None:  # a specialised helper (lookup, link, rewrite, ...)
                fn = self.made(op, self.rule_key(rule), lambda: make(self, rule))
            if fn is not None:
                return [f"{fn}(ctx, {src}, {dst})"]
        fn = self.made("op", _content(rule), lambda: _general(rule))
        return [f"{fn}(ctx, {src}, {dst})"]

    # --- paths --------------------------------------------------------------------------------

    def values(self, rule: Rule, path: Any, src: str, var: str) -> tuple[list[str], str]:
        """(lines before, loop header) that bind ``var`` to each value of ``path`` under the
        object ``src``. The rule's first v1 field has been tested already."""
        pre, items = self.iterable(rule, path, src, var)
        return pre, f"for {var} in {items}:"

    def iterable(self, rule: Rule, path: Any, src: str, var: str) -> tuple[list[str], str]:
        """(lines before, an expression for what :meth:`values` loops over); the lines' own
        names are made from ``var``."""
        if not path:
            return [], f"({src},)"
        if len(path) == 1 and rule.v1_head == path[0][1]:
            if path[0][0] == FIELD:
                return [], f"({src}[{self.key(path[0][1])}],)"
            if path[0][0] == EACH:
                held = f"_l{var}"
                return (
                    [f"{held} = {src}[{self.key(path[0][1])}]"],
                    f"({held} if type({held}) is list else ({held},))",
                )
        if (
            rule.v1_head == path[0][1]
            and all(step[0] == FIELD for step in path[:-1])
            and path[-1][0] in (FIELD, EACH)
        ):
            return self.walk(path, src, var), f"_q{var}"
        return [], f"{self.read(path)}({src})"

    def walk(self, path: Any, src: str, var: str) -> list[str]:
        """Lines binding ``_q<var>`` to what the :mod:`.access` reader of ``a.b.c`` /
        ``a.b[*]`` returns, walking plain objects inline (a list on the way: the reader)."""
        seq, cur = f"_q{var}", f"_x{var}"
        slow = f"{seq} = {self.read(path)}({src})"
        out = [f"{cur} = {src}[{self.key(path[0][1])}]"]
        pad = ""
        for step in path[1:]:
            name = self.key(step[1])
            out += [
                f"{pad}if type({cur}) is not dict: {slow}",
                f"{pad}elif {name} not in {cur}: {seq} = ()",
                f"{pad}else:",
                f"{pad}    {cur} = {cur}[{name}]",
            ]
            pad += "    "
        if path[-1][0] == EACH:
            out.append(f"{pad}{seq} = {cur} if type({cur}) is list else ({cur},)")
        else:
            out.append(f"{pad}{seq} = ({cur},)")
        return out

    def write(
        self,
        path: Any,
        dst: str,
        value: str,
        slot: str,
        once: bool = False,
        final: Callable[[str, str], str] | None = None,
    ) -> tuple[list[str], str | None]:
        """Lines that write ``value`` at the target ``path`` under ``dst``, and an expression
        for the ``(container, key)`` written (as the :mod:`.access` writers return it), valid
        right after them: the callers build that tuple only when they need it. ``once``: the
        lines run at most once per element built into ``dst`` (see :meth:`fresh`).

        ``final(container, key)``: the line that stores the value when the path ends in a
        plain field of an object reached without a new nested literal (it is written as
        ``assign`` would); the expression is then None, since that line did the rest."""
        if once:
            fresh = self.fresh(path, dst, value, slot)
            if fresh is not None:
                if final is not None and fresh[0] == [f"{dst}[{path[0][1]!r}] = {value}"]:
                    return [final(dst, repr(path[0][1]))], None
                return fresh
        names = path_names(path)
        if getattr(path, "templated", False):
            if not self.is_static(names):
                fn = self.write_fn(path)
                return [f"{slot} = {fn}(ctx, {dst}, {value})"], slot
            path = fill(path, self.variables)
        rooted = bool(path) and path[0][0] == ROOT
        local = path[1:] if rooted else path
        base = "ctx.out" if rooted else dst
        if not local:
            return [f"if isinstance({value}, dict): merge({base}, {value})"], f"({base}, None)"
        if not all(
            step[0] in (FIELD, APPEND) or (step[0] == PROTO and isinstance(step[2], dict))
            for step in local
        ):
            fn = self.write_fn(path)
            return [f"{slot} = {fn}(ctx, {dst}, {value})"], slot
        cur = f"_c{slot}" if local[:-1] else base  # walked down: a variable of its own
        out = [f"{cur} = {base}"] if local[:-1] else []
        for step in local[:-1]:
            name = repr(step[1])
            if step[0] == PROTO:  # the slice like the prototype, else a new one (as put does)
                proto = step[2]
                out += [
                    f"_i{slot} = {cur}.setdefault({name}, [])",
                    f"if type(_i{slot}) is not list: _i{slot} = {cur}[{name}] = [_i{slot}]",
                    f"for {cur} in _i{slot}:",
                    f"    if {self.contains(proto, cur, 0)}: break",
                    "else:",
                    f"    {cur} = {self.copy_of(proto)}()",
                    f"    _i{slot}.append({cur})",
                ]
            elif step[0] == APPEND:
                out += [
                    f"_i{slot} = {cur}.setdefault({name}, [])",
                    f"if type(_i{slot}) is not list: _i{slot} = {cur}[{name}] = [_i{slot}]",
                    f"{cur} = {{}}",
                    f"_i{slot}.append({cur})",
                ]
            else:
                out += [
                    f"{cur} = {cur}.setdefault({name}, {{}})",
                    f"if isinstance({cur}, list):",
                    f"    if not {cur}: {cur}.append({{}})",
                    f"    {cur} = {cur}[-1]",
                ]
        kind, name = local[-1][0], repr(local[-1][1])
        if kind == PROTO:  # the slice like the prototype (else a new one), merged into
            found = f"_p{slot}"
            out += [
                f"_i{slot} = {cur}.setdefault({name}, [])",
                f"if type(_i{slot}) is not list: _i{slot} = {cur}[{name}] = [_i{slot}]",
                f"for {found} in _i{slot}:",
                f"    if {self.contains(local[-1][2], found, 0)}: break",
                "else:",
                f"    {found} = {self.copy_of(local[-1][2])}()",
                f"    _i{slot}.append({found})",
                f"if isinstance({value}, dict): merge({found}, {value})",
            ]
            return out, f"(_i{slot}, _position(_i{slot}, {found}))"
        if kind == APPEND:
            out += [
                f"_i{slot} = {cur}.setdefault({name}, [])",
                f"if type(_i{slot}) is not list: _i{slot} = {cur}[{name}] = [_i{slot}]",
                f"_i{slot}.append({value})",
            ]
            return out, f"(_i{slot}, len(_i{slot}) - 1)"
        if final is not None:
            return [*out, final(cur, name)], None
        out += [
            # as assign() does it, down to the error a non-object gives
            f"if type({cur}) is dict and {name} not in {cur}: {cur}[{name}] = {value}",
            f"else: assign({cur}, {name}, {value})",
        ]
        return out, f"({cur}, {name})"

    def fresh(self, path: Any, dst: str, value: str, slot: str) -> tuple[list[str], str] | None:
        """The write as one new entry of the element being built, where its first field cannot
        be there yet (no rule before this one writes it): what ``put`` would create along plain
        fields and ``[+]`` appends, built at once instead of step by step."""
        if self.present is None or not path or getattr(path, "templated", False):
            return None
        if any(step[0] not in (FIELD, APPEND) for step in path) or path[0][1] in self.present:
            return None

        def wrap(step: tuple, inner: str) -> str:  # a field holds the object, [+] a list of it
            return inner if step[0] == FIELD else f"[{inner}]"

        last = path[-1]
        if last[0] == APPEND:  # the value is the first element of a new list
            lines, inner, at = [f"_i{slot} = [{value}]"], f"_i{slot}", f"(_i{slot}, 0)"
        else:
            lines, inner, at = [], value, None
        if len(path) == 1:
            return [*lines, f"{dst}[{last[1]!r}] = {inner}"], at or f"({dst}, {last[1]!r})"
        inner = f"{{{last[1]!r}: {inner}}}"  # the object that holds it
        if at is None:  # the slot is that object: named
            lines.append(f"_n{slot} = {inner}")
            inner, at = f"_n{slot}", f"(_n{slot}, {last[1]!r})"
        for step in reversed(path[1:-1]):
            inner = f"{{{step[1]!r}: {wrap(step, inner)}}}"
        return [*lines, f"{dst}[{path[0][1]!r}] = {wrap(path[0], inner)}"], at

    def guard_test(self, rule: Rule, elem: str) -> str:
        """An expression for the rule's guard on ``elem``: inline for an object where every
        ``when`` / ``unless`` asks whether one field is there, whether a value at plain fields
        equals one, or whether the output so far (``/...``) has a value (linked tests ask the
        memo of :func:`~.refs.linked_refs`), else the :meth:`guard` closure."""
        guard = self.made("guard", _content(rule), lambda: self.guard(rule))
        slow = f"{guard}({elem}, ctx)"
        params = rule.params
        tests = []
        for name, expect in (("when", True), ("unless", False)):
            path = params.get(f"{name}_path")
            if path is None:
                continue
            want = params.get(f"{name}_value")
            fields = getattr(path, "fields", None)
            if path and path[0][0] == ROOT and want is None:  # the output so far has a value
                test = f"{self.read(path[1:])}(ctx.out)"
                tests.append(test if expect else f"not {test}")
                continue
            if want is not None and fields:  # a value at plain fields equals ``want``
                test = f"any_equal({elem}, {self.name('at', path)}, {want!r})"
                tests.append(test if expect else f"not {test}")
                continue
            if len(path) != 1 or path[0][0] != FIELD or want is not None:
                return slow
            tests.append(f"{self.key(path[0][1])} {'in' if expect else 'not in'} {elem}")
        for key, expect in (("linked_from_path", True), ("unlinked_from_path", False)):
            if key in params:
                at = self.name("at", params[key])
                linked = f"('sequence' in {elem} and {elem}['sequence'] in linked_refs(ctx, {at}))"
                tests.append(linked if expect else f"not {linked}")
        return f"(({' and '.join(tests)}) if type({elem}) is dict else {slow})"

    def contains(self, proto: Any, item: str, depth: int) -> str:
        """An expression for :func:`~.write.contains` of ``item`` and a fixed ``proto``."""
        if isinstance(proto, dict):
            tests = [f"isinstance({item}, dict)"]
            for key, want in proto.items():
                at = f"{item}[{self.name('k', key)}]"
                tests += [f"{self.name('k', key)} in {item}", self.contains(want, at, depth)]
            return "(" + " and ".join(tests) + ")"
        if isinstance(proto, list):
            # each element of the prototype matches one of the list's: a generated function
            # with a loop, since ``any()`` over a generator costs a generator per slice write
            tests = [f"isinstance({item}, list)"]
            for want in proto:
                test = self.contains(want, f"_y{depth}", depth + 1)
                has = self.define(
                    "has",
                    [
                        f"def {_SELF}(items):",
                        f"    for _y{depth} in items:",
                        f"        if {test}: return True",
                        "    return False",
                    ],
                )
                tests.append(f"{has}({item})")
            return "(" + " and ".join(tests) + ")"
        return f"{item} == {self.name('k', proto)}"

    def guarded(self, rule: Rule, elem: str, then: str) -> list[str]:
        if not rule.guarded:
            return []
        return [f"if not {self.guard_test(rule, elem)}: {then}"]

    # --- ops ----------------------------------------------------------------------------------

    def copy(self, rule: Rule, src: str, dst: str, i: int) -> list[str]:
        params = rule.params
        money = params.get("reshape", "money") == "money"
        skip = params.get("except")
        value, slot = f"v{i}", f"s{i}"
        out = []
        if rule.guarded:  # copy tests its guard on the element it reads from
            out.append(f"if {self.guard_test(rule, src)}:")
        path = rule.v1_path
        if not path and not rule.v2_path and skip:  # ``@`` less some fields, into ``@``
            keep = self.name("skip", frozenset(skip))
            lines = [
                f"_f{i} = []",  # merged as it is copied (no copy of the object itself)
                f"if merge_copy({dst}, {src}, {keep}, {money}, _f{i}) and _f{i}:",
                f"    ctx.maybe_empty.append(({dst}, None))",
            ]
            return out + ["    " + line for line in lines] if rule.guarded else lines
        once = not path or (len(path) == 1 and path[0][0] == FIELD and rule.v1_head == path[0][1])
        # read in the copy_write call itself: the one field the rule reads
        field = once and path and f"{src}[{self.key(path[0][1])}]"
        lines, at = self.write(
            rule.v2_path,
            dst,
            value,
            slot,
            once,
            None  # to a plain field without ``except``: one call copies, stores and marks
            if skip
            else lambda cur, key: (
                f"copy_write({cur}, {key}, {field or value}, {money}, ctx.maybe_empty)"
            ),
        )
        if at is None:  # copy_write did it all
            if field:
                return self._in_guard(rule, out, lines)
            if not path:
                return self._in_guard(rule, out, [f"{value} = {src}", *lines])
            pre, loop = self.values(rule, path, src, value)
            return self._in_guard(rule, out, [*pre, loop, *("    " + ln for ln in lines)])
        body = [f"if type({value}) is str: _e{i} = not {value}"]  # the common case first
        if skip:  # the fields left out and the copy in one pass
            keep = self.name("skip", frozenset(skip))
            body += [
                f"elif isinstance({value}, dict):",
                f"    _f{i} = []",
                f"    {value} = copy_dict({value}, {money}, _f{i}, {keep})",
                f"    _e{i} = bool(_f{i}) if {value} else None  # None: nothing left to write",
                f"elif isinstance({value}, _C):",
            ]
        else:  # an object: copied without checked_copy's dispatch (a call fewer)
            body += [
                f"elif type({value}) is dict:",
                f"    _f{i} = []",
                f"    {value} = copy_dict({value}, {money}, _f{i})",
                f"    _e{i} = _f{i} or not {value}",
                f"elif isinstance({value}, _C):",
            ]
        body += [
            f"    _f{i} = []",
            f"    {value} = checked_copy({value}, {money}, _f{i})",
            f"    _e{i} = _f{i} or not {value}",
            "else:",
            f"    _e{i} = not {value} and ({value} is None or {value} == '')",
        ]
        write = [*lines, f"if _e{i}: ctx.maybe_empty.append({at})"]
        if skip:
            body += [f"if _e{i} is not None:", *("    " + line for line in write)]
        else:
            body += write
        if not path:  # the object itself: one value, no loop
            lines = [f"{value} = {src}", *body]
        elif len(path) == 1 and path[0][0] == FIELD and rule.v1_head == path[0][1]:
            lines = [f"{value} = {src}[{self.key(path[0][1])}]", *body]  # tested: it is there
        else:
            pre, loop = self.values(rule, path, src, value)
            lines = [*pre, loop, *("    " + line for line in body)]
        return self._in_guard(rule, out, lines)

    @staticmethod
    def _in_guard(rule: Rule, out: list[str], lines: list[str]) -> list[str]:
        """``lines`` after ``out`` (the guard's test), indented under it when there is one."""
        if rule.guarded:
            return out + ["    " + line for line in lines]
        return lines

    def constant(self, rule: Rule, src: str, dst: str, i: int) -> list[str] | None:
        value = rule.params["value"]
        names = [n for s in strings(value) for n in template_names(s)]
        if names and not self.is_static(names):
            if not reads_only_route_vars(self, names):
                return None  # filled per element (valueops)
            slot = f"s{i}"
            if self.row_consts is not None:  # filled when the route chose the branch
                get = f"h{i} = rc[{len(self.row_consts)}]"
                self.row_consts.append(value)
            else:  # filled once per route key and row, then a fresh copy per element
                fill = self.made("fill", _content(value), lambda: route_row_filler(value, copier))
                get = f"h{i} = {fill}(ctx.variables)"
            lines, at = self.write(rule.v2_path, dst, f"v{i}", slot, once=True)
            out = [get, f"v{i} = h{i}[0]()", *lines, f"if h{i}[1]: ctx.maybe_empty.append({at})"]
            return self.guard_lines(rule, src, out)
        fixed = templated(value, self.variables) if names else value
        if isinstance(fixed, _CONTAINERS):  # a fresh copy each time (see constant_maker)
            make = self.made("constant", _content(fixed), lambda: constant_maker(fixed))
            expr = f"{make}()"
        else:
            expr = self.name("k", fixed)
        slot = f"s{i}"
        lines, at = self.write(rule.v2_path, dst, f"v{i}", slot, once=True)
        out = [f"v{i} = {expr}", *lines]
        if has_empty(fixed):
            out.append(f"ctx.maybe_empty.append({at})")
        return self.guard_lines(rule, src, out)

    def lookup(self, rule: Rule, src: str, dst: str, i: int) -> list[str] | None:
        """The values recoded by the rule's table (remembered per text value, see
        :func:`~.valueops.recoder`) and written inline."""
        recoded = self.made("recode", self.rule_key(rule), lambda: recoder(self, rule))
        if recoded is None:
            return None  # the table depends on a changing variable: the interpreter's op
        linked = rule.params.get("linked_path")
        suffix = (
            f"('|linked' if {src}.get('sequence') in linked_set(ctx, {self.name('at', linked)}) "
            "else '|unlinked')"
            if linked is not None
            else "''"
        )
        value, slot = f"v{i}", f"s{i}"
        pre, loop = self.values(rule, rule.v1_path, src, f"_v{i}")
        lines, at = self.write(rule.v2_path, dst, value, slot)
        body = [
            f"h{i} = {recoded}(ctx, _v{i}, _x{i})",
            f"if h{i} is _DROPPED: continue",
            f"{value} = h{i}[0]()",
            *lines,
            f"if h{i}[1]: ctx.maybe_empty.append({at})",
        ]
        return [f"_x{i} = {suffix}", *pre, loop, *("    " + line for line in body)]

    def guard_lines(self, rule: Rule, src: str, lines: list[str]) -> list[str]:
        """``lines`` under the rule's guard on ``src`` (when it has one)."""
        if not rule.guarded:
            return lines
        test = f"if {self.guard_test(rule, src)}:"
        return [test, *("    " + line for line in lines)]

    @staticmethod
    def plain(path: Any) -> bool:
        """Is ``path`` absent or plain fields (what the compiled loops read)?"""
        return path is None or getattr(path, "fields", None) is not None

    def fields(self, path: Any) -> str:
        """A global for the plain fields of ``path`` as parsed input's key objects, or None."""
        if path is None:
            return "None"
        return self.name("fields", tuple(parsed_key(name) for name in path.fields))

    def origin(self, origin_path: Any, elem: str) -> str:
        if origin_path is None:
            return "None"
        if origin_path == _INHERIT:
            return "ctx.origin"
        return self.first(origin_path, elem)

    def first(self, path: Any, node: str, default: str | None = None) -> str:
        """An expression for ``first(node, path, default)``: one plain field inline (the
        general ``first`` when it is not there: it goes on down lists); more plain fields,
        the compiled :func:`~.paths.first_of`; other paths, a compiled
        :func:`~.access.first_reader`."""
        fields = getattr(path, "fields", None)
        if not fields:
            read = self.made(
                "first", _content((path, default)), lambda: first_reader(path, default)
            )
            return f"{read}({node})"
        if len(fields) > 1:
            return f"first_of({node}, {self.fields(path)}, {default!r})"
        slow = f"first({node}, {self.name('at', path)}, {default!r})"
        self.count += 1
        t, key = f"_t{self.count}", self.key(fields[0])
        return f"({t}[{key}] if (type({t} := {node}) is dict) and {key} in {t} else {slow})"

    def each(self, rule: Rule, src: str, dst: str, i: int) -> list[str]:
        params = rule.params
        if "follow_path" in params:
            return [f"{self.follow(rule)}(ctx, {src}, {dst})"]
        elem = f"e{i}"
        origin_path = params.get("origin_path")
        binds = params.get("bind_paths")
        # in a route branch whose constants were filled when it was chosen, so are this one's
        share = self.row_consts is not None and not binds
        build = self.builder(
            rule.v2_path, rule.rules, origin_path is not None, self.row_consts if share else None
        )
        if not (binds or rule.guarded or origin_path == _INHERIT) and self.plain(origin_path):
            pre, items = self.iterable(rule, rule.v1_path, src, elem)  # the element alone
            at = self.fields(origin_path)
            rc = "rc" if share else "None"
            return [*pre, f"each_build(ctx, {dst}, {items}, {build}, {at}, {rc})"]
        pre, loop = self.values(rule, rule.v1_path, src, elem)
        body = self.guarded(rule, elem, "continue")
        body.append(f"if _fo{i} and id({elem}) in _fo{i}: continue")
        if binds:  # the element's variables in effect while it is built (its origin read too)
            bound = ", ".join(f"{n!r}: {self.first(p, elem, '')}" for n, p in binds.items())
            body += [
                f"sv{i} = ctx.variables",
                f"ctx.variables = {{**sv{i}, {bound}}}",
                "try:",
                f"    {build}(ctx, {dst}, {elem}, {self.origin(origin_path, elem)})",
                "finally:",
                f"    ctx.variables = sv{i}",
            ]
        else:
            rc = ", rc" if share else ""
            body.append(f"{build}(ctx, {dst}, {elem}, {self.origin(origin_path, elem)}{rc})")
        return [f"_fo{i} = ctx.followed", *pre, loop, *("    " + line for line in body)]

    def follow(self, rule: Rule) -> str:
        """``each`` with ``follow``: build from the element a reference under the match names
        (a global bound to the function that does it)."""
        origin_path = rule.params.get("origin_path")
        build_name = self.builder(rule.v2_path, rule.rules, origin_path is not None)
        key = (_content(rule), build_name)
        return self.made("follow", key, lambda: self._follow(rule, build_name))  # type: ignore[return-value]

    def _follow(self, rule: Rule, build_name: str) -> Fn:
        get = reader(rule.v1_path)
        guard = self.guard(rule)
        origin_path = rule.params.get("origin_path")
        ns = self.ns

        def test(_: Rule, target: Any, ctx: Context) -> bool:
            return guard(target, ctx)

        def follow(ctx: Context, src: Any, dst: dict) -> None:
            for elem in get(src):
                found = follow_reference(rule, ctx, elem, (), test)
                if found is not None:
                    bound = bound_variables(rule, ctx, found[1])
                    _build_with(ctx, bound, ns[build_name], dst, found[1], origin_path)

        return follow

    def route(self, rule: Rule, src: str, dst: str, i: int) -> list[str] | None:
        table = self.table(rule)
        if table is None:
            return None  # the table depends on a changing variable: the interpreter's op
        params = rule.params
        origin_path = params.get("origin_path")
        branches = {
            name: self.branch(route, origin_path is not None)
            for name, route in params["routes"].items()
        }
        # ``choose`` and its ``plans`` depend on the rule, the variables it reads and the
        # branches' builders: named by them, shared where claim types have the route in common
        made = self.made(
            "choose",
            (self.rule_key(rule), _content(tuple(branches.items()))),
            lambda: self._chooser(table, branches),
        )
        choose_name = str(made)
        plans_name = "plans" + choose_name[len("choose") :]
        self.ns.setdefault(plans_name, self.ns[choose_name].plans)
        live = [b for b in branches.values() if b is not None]
        elem, key, var = f"e{i}", f"_k{i}", f"_p{i}"
        alone = not (rule.guarded or origin_path == _INHERIT or any(b[3] or b[1] for b in live))
        if alone and self.plain(origin_path) and self.plain(params["key_path"]):
            # the element alone decides (no branch reads key or row beyond its constants,
            # none links back): the compiled loop
            pre, items = self.iterable(rule, rule.v1_path, src, elem)
            at, key_at = self.fields(origin_path), self.fields(params["key_path"])
            return [
                *pre,
                f"route_build(ctx, {dst}, {items}, {key_at}, {plans_name}, {choose_name}, {at})",
            ]
        get_key = f"{key} = {self.first(params['key_path'], elem)}"
        pre, loop = self.values(rule, rule.v1_path, src, elem)
        body = self.guarded(rule, elem, "continue")
        origin = self.origin(origin_path, elem)
        body += [
            get_key,
            f"{var} = {plans_name}.get({key}) if type({key}) is str else None",
            f"if {var} is None: {var} = {choose_name}({key})",
        ]
        if not any(b[3] or b[1] for b in live):
            # no branch reads key or row beyond its constants (filled when chosen), none links
            # back to what it placed: each branch chosen is a builder and its constants
            body.append(f"for b{i}, rc{i} in {var}[2]: b{i}(ctx, {dst}, {elem}, {origin}, rc{i})")
            return [*pre, loop, *("    " + line for line in body)]
        if not any(b[3] for b in live):
            # no branch reads key or row beyond its constants (filled when chosen)
            body += [
                f"for b{i}, back{i}, into{i}, sets{i}, rc{i} in {var}[1]:",
                f"    placed{i} = b{i}(ctx, {dst}, {elem}, {origin}, rc{i})",
                *self.backlink(i, dst),
            ]
            return [*pre, loop, *("    " + line for line in body)]
        body += [
            f"row{i} = {var}[0]",
            f"for b{i}, back{i}, into{i}, sets{i}, rc{i} in {var}[1]:",
            f"    if sets{i} == 1:  # key and row set in place, and put back",
            f"        hk{i}, hr{i} = sv{i}.get('key', _ABSENT), sv{i}.get('row', _ABSENT)",
            f"        sv{i}['key'] = {key}",
            f"        sv{i}['row'] = row{i} if isinstance(row{i}, dict) else {{}}",
            "        try:",
            f"            placed{i} = b{i}(ctx, {dst}, {elem}, {origin}, rc{i})",
            "        finally:",
            f"            _put_back(sv{i}, hk{i}, hr{i})",
            f"    elif sets{i}:",
            f"        ctx.variables = {{**sv{i}, 'key': {key}, "
            f"'row': row{i} if isinstance(row{i}, dict) else {{}}}}",
            "        try:",
            f"            placed{i} = b{i}(ctx, {dst}, {elem}, {origin}, rc{i})",
            "        finally:",
            f"            ctx.variables = sv{i}",
            "    else:",
            f"        placed{i} = b{i}(ctx, {dst}, {elem}, {origin}, rc{i})",
            *self.backlink(i, dst),
        ]
        return [f"sv{i} = ctx.variables", *pre, loop, *("    " + line for line in body)]

    def _chooser(self, table: Any, branches: dict[str, tuple | None]) -> Callable:
        """A route's ``choose(key)``: the plan for a key (its row, the branches chosen with
        their constants filled), remembered per text key in ``plans``, bound beside it."""
        default = branches["default"]
        ns = self.ns
        plans: dict[str, tuple[Any, tuple, tuple]] = {}

        def choose(key: Any) -> tuple[Any, tuple, tuple]:
            row = table.get(key) if key is not None else None
            name = row.get("route", "default") if isinstance(row, dict) else (row or "default")
            names = name if isinstance(name, list) else (name,)
            picked = (branches.get(n, default) for n in names)
            keep = type(key) is str and len(plans) < 4096  # tables are frozen: remembered
            chosen = tuple(
                (ns[b[0]], *b[1:4], self.row_constants(b[4], key, row, keep))
                for b in picked
                if b is not None
            )
            plan = (row, chosen, tuple((c[0], c[4]) for c in chosen))  # [2]: (builder, rc)
            if keep:
                plans[key] = plan
            return plan

        choose.plans = plans  # type: ignore[attr-defined]
        return choose

    @staticmethod
    def backlink(i: int, dst: str) -> list[str]:
        """A route's link from the element a branch placed (``backlink``), resolved later."""
        return [
            f"    if placed{i} is not None and back{i}:",
            f"        links{i} = {dst}.setdefault(back{i}, [])",
            f"        links{i}.append(Link(into{i}, element=placed{i}))",
            f"        ctx.links.append((links{i}, len(links{i}) - 1, links{i}[-1]))",
        ]

    def row_constants(
        self, values: tuple | None, key: Any, row: Any, kept: bool = False
    ) -> tuple | None:
        """The constants of a branch that read the route's key and row, filled for one key and
        table row: ``(make a fresh copy, may hold an empty)`` each (see :meth:`branch`).
        ``kept``: the route remembers them, worth a compiled display (:func:`constant_maker`)
        for those filled from the mapping files alone (a table row, fixed variables); one that
        reads ``${key}`` holds input data, which is never turned into code."""
        if not values:
            return None
        variables = {**self.variables, "key": key, "row": row if isinstance(row, dict) else {}}
        made = []
        for value in values:
            out = templated(value, variables)
            names = [n for text in strings(value) for n in template_names(text)]
            from_rules = kept and not any(n.split(".", 1)[0] == "key" for n in names)
            made.append(((constant_maker if from_rules else copier)(plain(out)), has_empty(out)))
        return tuple(made)

    def branch(self, route: Route, has_origin: bool) -> tuple | None:
        if route.drop is not None:
            return None  # a branch that only consumes: nothing to do untracked
        # key and row are only set where a nested rule reads them: in place (and put back
        # after), or in a copy of the variables where a nested renumber adds its bookkeeping
        # (not at all where only the branch's own constants read them: those are filled once
        # per key and row when the route chooses the branch, and handed to the builder)
        renumbers = any(r.op == "renumber" for child in route.rules for r in child.walk())
        row_consts: list | None = None
        if renumbers:
            sets_vars = 2
        elif not _READS_ROUTE_VARS.search(route.v2 or "") and self.row_only(route.rules):
            sets_vars, row_consts = 0, []
        else:
            sets_vars = int(bool(_READS_ROUTE_VARS.search(repr(route))))
        target_list = route.v2_path[0][1] if route.v2_path else ""
        build = self.builder(route.v2_path, route.rules, has_origin, row_consts)
        consts = tuple(row_consts) if row_consts else None
        return build, route.backlink, target_list, sets_vars, consts

    def row_only(self, rules: tuple[Rule, ...]) -> bool:
        """Do only top-level constants of ``rules`` read the route's key and row (and,
        besides them, only variables fixed for the resource map)?"""
        for rule in rules:
            if rule.op == "constant" and not rule.rules and not rule.exact_paths:
                rest = {k: v for k, v in rule.params.items() if k != "value"}
                if _READS_ROUTE_VARS.search(repr((rule.v1, rule.v2, rest))):
                    return False
                value = rule.params["value"]
                names = [n for s in strings(value) for n in template_names(s)]
                if not self.is_static(names) and not reads_only_route_vars(self, names):
                    return False
            elif rule.op == "each" and not {"follow_path", "bind_paths"} & set(rule.params):
                # its elements are built under the same key and row: its constants too
                if _READS_ROUTE_VARS.search(repr((rule.v1, rule.v2, dict(rule.params)))):
                    return False
                if not self.row_only(rule.rules):
                    return False
            elif _READS_ROUTE_VARS.search(repr(rule)):
                return False
        return True

    def builder(
        self,
        v2_path: Any,
        rules: tuple[Rule, ...],
        has_origin: bool,
        row_consts: list | None = None,
    ) -> str:
        """A function ``build(ctx, dst, elem, origin, rc)``: one new v2 element from one v1
        element with ``rules``, placed at ``v2_path`` under ``dst``; returns it (None: empty).
        ``row_consts``: collects the route-row constants of ``rules``, which then read their
        filled copies from ``rc`` (see :meth:`branch`)."""
        outer, self.row_consts = self.row_consts, row_consts
        try:
            return self._builder(v2_path, rules, has_origin)
        finally:
            self.row_consts = outer

    def _builder(self, v2_path: Any, rules: tuple[Rule, ...], has_origin: bool) -> str:
        steps = self.steps(rules)
        whole = steps[0][0] if steps and steps[0][0].whole_copy and not steps[0][1] else None
        rest = steps[1:] if whole is not None else steps
        slow = self.general(steps)
        inherit = any(
            r.params.get("origin_path") == _INHERIT for rule in rules for r in rule.walk()
        )
        if (
            whole is not None
            and not rest
            and not (has_origin and inherit)
            and len(v2_path) == 1
            and v2_path[0][0] == APPEND
            and not getattr(v2_path, "templated", False)
        ):  # the element is the v1 one copied, appended to a list: the compiled builder
            skip = frozenset(whole.params.get("except") or ())
            money = whole.params.get("reshape", "money") == "money"
            field = v2_path[0][1]
            key = (field, _content(skip), money, slow, has_origin)
            made = self.made(
                "build", key, lambda: copy_builder(field, skip, money, self.ns[slow], has_origin)
            )
            return str(made)
        out = [f"def {_SELF}(ctx, dst, elem, origin, rc=None):"]
        # the origin is handed down (``ctx.origin``) only where a nested rule inherits it
        if has_origin and inherit:
            out += [
                "    if origin is not None:",
                "        saved = ctx.origin",
                "        ctx.origin = origin",
                "    try:",
            ]
        pad = "        " if has_origin and inherit else "    "
        out.append(f"{pad}if type(elem) is dict:")
        if whole is not None:
            skip = whole.params.get("except")
            money = whole.params.get("reshape", "money") == "money"
            keep = self.name("skip", frozenset(skip or ()))
            out += [  # the element starts as a copy of the v1 one (less the fields in skip)
                f"{pad}    found = []",
                f"{pad}    target = copy_dict(elem, {money}, found, {keep})",
                f"{pad}    if found: ctx.maybe_empty.append(GLOBAL)",
            ]
        else:
            out.append(f"{pad}    target = {{}}")
        outer, self.present = self.present, (set() if whole is None else None)
        try:
            out += self.body(rest, "elem", "target", len(pad) // 4 + 1)
        finally:
            self.present = outer
        out += [f"{pad}else:", f"{pad}    target = {{}}", f"{pad}    {slow}(ctx, elem, target)"]
        if has_origin and inherit:
            out += ["    finally:", "        if origin is not None:"]
            out.append("            ctx.origin = saved")
        out.append("    if not target: return None")
        write, at = self.write(v2_path, "dst", "target", "slot")
        out += ["    " + line for line in write]
        if at == _APPENDED:  # appended as it is: the element placed is ``target`` (an object)
            if has_origin:  # else every caller passes None
                out.append("    if origin is not None: ctx.origins[id(target)] = origin")
            out.append("    return target")
        else:
            out.append(f"    slot = {at}")
            out.append("    placed = slot[0] if slot[1] is None else slot[0][slot[1]]")
            if has_origin:
                out += [
                    "    if origin is not None and isinstance(placed, dict):",
                    "        ctx.origins[id(placed)] = origin",
                ]
            out.append("    return placed")
        return self.define("build", out)


def constant_maker(value: Any) -> Callable[[], Any]:
    """A fresh copy of a constant of the mapping files per call: a Python display of it
    (``{'system': ..., 'code': ...}``) compiled once, faster than parsing its JSON. The
    constant stays out of the generated source, which names it by its value."""
    source = display(value)
    if source is None or not any(isinstance(v, _CONTAINERS) for v in _children(value)):
        return copier(value)  # one level: a shallow copy
    return eval(compile(f"lambda: {source}", "<bbmigrate-constant>", "eval"))


def _children(value: Any) -> Any:
    return value.values() if isinstance(value, dict) else value


_ABSENT = object()
_APPENDED = "(_islot, len(_islot) - 1)"  # the slot write() gives for a [+] target


def _written(rule: Rule, at_root: bool = False) -> set[str] | None:
    """The fields ``rule`` may add to the element it runs on (None: any field): the first
    field of each of its targets (and of a route's backlinks); targets under ``/`` write
    into the resource's root instead, which is the element for the top-level rules
    (``at_root``), so there every ``/`` target of the rule and of its nested rules counts.
    ``resource`` and a target ``@`` (a merge) can add any field."""
    keys: set[str] = set()
    for nested in rule.walk() if at_root else (rule,):
        if nested.op == "drop":
            continue
        if nested.op not in _PLACES:
            return None
        paths = [nested.v2_path]
        if nested.op == "route":
            routes = [r for r in nested.params["routes"].values() if r.drop is None]
            paths = [r.v2_path for r in routes]
            if nested is rule:
                keys |= {r.backlink for r in routes if r.backlink}
        for path in paths:
            if path and path[0][0] == ROOT:  # into the root
                if len(path) == 1:
                    return None
                if at_root:
                    keys.add(path[1][1])
            elif nested is rule:  # into the element itself
                if not path:
                    return None
                keys.add(path[0][1])
    return keys


def _position(items: list, item: Any) -> int:
    """Where ``item`` itself is in ``items`` (a slice found or added by a ``[~var]`` write)."""
    for i, other in enumerate(items):  # a loop, not next() over a generator: per slice write
        if other is item:
            return i
    raise LookupError("the slice is not in its list")  # cannot be: found or added just before


def _put_back(variables: dict, key: Any, row: Any) -> None:
    """Restore the ``key`` and ``row`` variables a route element set in place."""
    for name, value in (("key", key), ("row", row)):
        if value is _ABSENT:
            variables.pop(name, None)
        else:
            variables[name] = value


def _build_with(
    ctx: Context, variables: dict, build: Callable, dst: dict, elem: Any, origin_path: Any
) -> Any:
    """``build`` one element with ``variables`` in effect (and its origin read under them)."""
    saved = ctx.variables
    ctx.variables = variables
    try:
        origin = None if origin_path is None else _origin(ctx, elem, origin_path)
        return build(ctx, dst, elem, origin)
    finally:
        ctx.variables = saved


def _general(rule: Rule) -> Fn:
    """The interpreter's op function (gates already decided; its guards it tests itself)."""
    func = OPS[rule.op][0]
    if rule.op in _NEVER_EMPTY:

        def general(ctx: Context, src: Any, dst: dict) -> None:
            func(rule, ctx, src, (), dst)

        return general

    def general_marked(ctx: Context, src: Any, dst: dict) -> None:
        func(rule, ctx, src, (), dst)
        ctx.maybe_empty.append(GLOBAL)

    return general_marked


__all__ = ["compiled_rules", "plain", "source_of"]
