"""Layer 1: base FHIR R4 structure.

fhir.resources' R4B models (R4 and R4B agree for the resources BB2 serves) catch unknown
elements, list-vs-object, required elements and date/id formats. They let through what this
module checks with a JSON walk driven by the same models' metadata: codes outside a required
binding (``enum_values``), JSON primitives of the wrong type (``"true"``, ``"1"``, ``"12.50"``
are coerced silently), empty arrays/objects/strings, ``ext-1`` (an extension has a value or
nested extensions, not both) and ``dom-3`` (every contained resource is referenced).
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, NamedTuple

from pydantic import ValidationError

from .findings import Finding, short_value


class Field(NamedTuple):
    kind: str  # boolean | integer | decimal | string | model | resource
    is_list: bool
    model: Any
    enum: frozenset[str] | None
    key: str  # "ModelClass.jsonKey", the key of enum overrides (core_enums.py)


class Schema(NamedTuple):
    fields: dict[str, Field]
    required: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]  # required choice groups: name, json keys


_INTEGER_MARKERS = {"Integer", "PositiveInt", "UnsignedInt", "Integer64"}


def _kind(tp: Any) -> tuple[str, Any]:
    if tp is bool:
        return "boolean", None
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        names = {type(m).__name__ for m in meta}
        if base is bool or "Boolean" in names:
            return "boolean", None
        if names & _INTEGER_MARKERS or base is int:
            return "integer", None
        if "Decimal" in names:
            return "decimal", None
        return "string", None
    klass = getattr(tp, "_model_klass", None)
    if isinstance(klass, str) and klass.endswith(".Resource"):
        return "resource", None
    if isinstance(klass, str):
        module, _, name = klass.rpartition(".")
        return "model", getattr(importlib.import_module(module), name)
    if getattr(tp, "__name__", "") == "ResourceType":
        return "resource", None
    if tp is int:
        return "integer", None
    return "string", None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    tp, is_list = annotation, False
    while True:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0]
        elif origin in (list, typing.List):  # noqa: UP006 - fhir.resources uses typing.List
            tp, is_list = typing.get_args(tp)[0], True
        else:
            return tp, is_list


@cache
def schema(model: type) -> Schema:
    """JSON key -> field metadata for one fhir.resources model, computed once per class."""
    fields: dict[str, Field] = {}
    required: list[str] = []
    groups: dict[str, list[str]] = {}
    group_required: set[str] = set()
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key.startswith("_") or key == "fhir_comments" or key == "resource_type":
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        tp, is_list = _unwrap(info.annotation)
        kind, sub = _kind(tp)
        enum = extra.get("enum_values")
        # Enums parsed from "a | b | c +" short texts are truncated lists; trust only complete ones.
        usable = enum and not any("+" in code or " " in code for code in enum)
        fields[key] = Field(
            kind, is_list, sub, frozenset(enum) if usable else None, f"{model.__name__}.{key}"
        )
        if extra.get("one_of_many"):
            groups.setdefault(extra["one_of_many"], []).append(key)
            if extra.get("one_of_many_required"):
                group_required.add(extra["one_of_many"])
        elif info.is_required() or extra.get("element_required"):
            required.append(key)
    choices = tuple((g, tuple(keys)) for g, keys in groups.items() if g in group_required)
    return Schema(fields, tuple(required), choices)


@cache
def resource_model(resource_type: str) -> type | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError):
        return None


_JSON_TYPE = {"boolean": "boolean", "integer": "integer", "decimal": "number", "string": "string"}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


Overrides = Mapping[str, "frozenset[str] | None"]
Out = list[tuple[str, str, str, Any]]


def _walk(node: dict, model: type, path: str, out: Out, overrides: Overrides) -> None:
    if not node:
        out.append((path, "ele-1", "element is an empty object", node))
        return
    sch = schema(model)
    for key, value in node.items():
        field = sch.fields.get(key)
        if field is None:
            if key.startswith("_") and value in ([], {}, None):
                out.append((f"{path}.{key}", "ele-1", "empty primitive extension", value))
            continue
        here = f"{path}.{key}"
        if isinstance(value, list):
            if not field.is_list:
                continue  # the model reports list-vs-object
            if not value:
                out.append((here, "ele-1", "empty array (omit the element instead)", value))
            extensions = node.get(f"_{key}")
            for index, item in enumerate(value):
                # JSON FHIR pairs `"given": [null, "b"]` with `"_given": [{...}, null]`: a null
                # primitive is fine when its extension entry carries the content.
                paired = isinstance(extensions, list) and index < len(extensions)
                if item is None and paired and extensions[index]:
                    continue
                _check(item, field, f"{here}[{index}]", out, overrides)
        elif not field.is_list:
            _check(value, field, here, out, overrides)
    for key in sch.required:
        if key not in node and f"_{key}" not in node:
            out.append((f"{path}.{key}", "cardinality", "required element is missing", None))
    for group, keys in sch.choices:
        if not any(k in node for k in keys):
            out.append((f"{path}.{group}[x]", "cardinality", "required element is missing", None))
    if model.__name__ == "Extension":
        has_value = any(k.startswith("value") for k in node)
        if bool(node.get("extension")) == has_value:
            out.append(
                (path, "ext-1", "extension needs a value or nested extensions, not both", None)
            )


def _check(value: Any, field: Field, path: str, out: Out, overrides: Overrides) -> None:
    kind = field.kind
    if kind == "model":
        if isinstance(value, dict):
            _walk(value, field.model, path, out, overrides)
        return
    if kind == "resource":
        if isinstance(value, dict):
            model = resource_model(str(value.get("resourceType")))
            if model is not None:
                _walk(value, model, path, out, overrides)
        return
    if value is None:
        out.append((path, "type", "null is not a FHIR value (omit the element)", value))
        return
    if not _type_ok(kind, value):
        found = type(value).__name__.replace("str", "string").replace("dict", "object")
        out.append((path, "type", f"expected JSON {_JSON_TYPE[kind]}, found {found}", value))
        return
    if kind == "string":
        if value == "":
            out.append((path, "ele-1", "empty string (omit the element instead)", value))
            return
        enum = overrides.get(field.key, field.enum)
        if enum is not None and value not in enum:
            allowed = ", ".join(sorted(enum))
            out.append((path, "binding", f"code not in the required value set ({allowed})", value))


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            elif key != "contained":
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _dom3(resource: dict, path: str) -> Iterator[tuple[str, str, str, Any]]:
    contained = resource.get("contained")
    if not isinstance(contained, list) or not contained:
        return
    refs = set(_references(resource))
    for index, item in enumerate(contained):
        if not isinstance(item, dict):
            continue
        inner = set(_references(item))
        if f"#{item.get('id')}" not in refs and "#" not in inner:
            message = "contained resource is not referenced from the containing resource"
            yield (f"{path}.contained[{index}]", "dom-3", message, item.get("id"))


def _pydantic_path(root: str, loc: tuple) -> str:
    text = root
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def check_structure(
    resource: dict, *, label: str, source: str | None, enum_overrides: Overrides | None = None
) -> list[Finding]:
    """All layer-1 findings for one resource (``label`` is ``Type/id`` for the report)."""
    rtype = str(resource.get("resourceType"))
    model = resource_model(rtype)
    if model is None:
        return [
            Finding(
                "error",
                label,
                "resourceType",
                "structure",
                f"unknown resourceType {rtype!r}",
                rtype,
                source=source,
            )
        ]
    raw: list[tuple[str, str, str, Any]] = []
    _walk(resource, model, rtype, raw, enum_overrides or {})
    raw.extend(_dom3(resource, rtype))
    seen = {path for path, *_ in raw}
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        for error in exc.errors():
            path = _pydantic_path(rtype, error["loc"])
            if path in seen:
                continue
            seen.add(path)
            value = error.get("input") if error["type"] != "missing" else None
            raw.append((path, "structure", error["msg"], value))
    except Exception as exc:
        raw.append((rtype, "structure", f"R4 model rejected the resource: {exc!r}", None))
    return [
        Finding("error", label, path, rule, message, short_value(value), source=source)
        for path, rule, message, value in raw
    ]
