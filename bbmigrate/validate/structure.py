"""Layer 1: base FHIR R4 structure.

fhir.resources' R4B models (R4 and R4B agree for the resources BB2 serves) catch unknown
elements, list-vs-object, required elements and date/id formats. They let through what this
module checks with a JSON walk driven by the same models' metadata: codes outside a required
binding (``enum_values``), JSON primitives of the wrong type (``"true"``, ``"1"``, ``"12.50"``
are coerced silently), empty arrays/objects/strings, ``ext-1`` (an extension has a value or
nested extensions, not both), ``dom-3`` (every contained resource is referenced) and ``bdl-5``
(a Bundle entry holds a resource, a request or a response).

The model costs about three quarters of layer 1, so it runs only when the walk cannot vouch
for the resource: the walk also notes every doubt the model could turn into an error (an
unknown or ``_primitive`` key, list-vs-object, a null object, two choices of one group), and
the model is not needed for walk findings it would only repeat at the same path or not see
(a missing required element, a code outside its value set, ``ext-1``, ``dom-3``,
``bdl-5``); the walk checks each primitive as the model's own pydantic type would
(``primitives.py`` where it is sure, else the type itself, cached per value). A resource
with no finding and no doubt is one the model accepts; ``tests/test_validate_structure_fast.py``
proves the findings are the same with and without the shortcut.

The walk reads the models' metadata from ``r4_schema`` (a stored file), so a resource it vouches
for is checked without importing pydantic or any R4B model: that import is paid only by a
resource with a doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, NamedTuple

from .findings import Finding, short_value
from .r4_schema import Field, item_types, model_class, primitive_check, resource_reference, schema


def resource_model(resource_type: str) -> str | None:
    """The reference of the R4B model of ``resource_type`` (``r4_schema``), or ``None``."""
    return resource_reference(resource_type)


_JSON_TYPE = {"boolean": "boolean", "integer": "integer", "decimal": "number", "string": "string"}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


@cache
def _adapter(owner: str, key: str) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(item_types(model_class(owner))[key])


_PRIMITIVE_OK: dict[tuple[str, type, Any], bool] = {}


def _primitive_ok(field: Field, value: Any) -> bool:
    """Whether the model's own type accepts this primitive: answered without the type where
    ``primitives`` is sure, else by the type; memoised, as values repeat a lot (systems, codes,
    dates), per primitive type where it has a name."""
    key = (field.primitive or field.key, type(value), value)
    known = _PRIMITIVE_OK.get(key)
    if known is None:
        check = primitive_check(field.primitive) if field.primitive is not None else None
        if check is not None and check(value):
            known = True
        else:
            try:
                _adapter(field.owner, field.key.split(".", 1)[1]).validate_python(value)
                known = True
            except Exception:  # any doubt, even a type pydantic cannot build: the model decides
                known = False
        if len(_PRIMITIVE_OK) > 50_000:  # bound memory (a few MB) on long streams
            _PRIMITIVE_OK.clear()
        _PRIMITIVE_OK[key] = known
    return known


Overrides = Mapping[str, "frozenset[str] | None"]
Out = list[tuple[str, str, str, Any]]


class Walk(NamedTuple):
    out: Out
    overrides: Overrides
    doubts: list[str]  # why the R4B model must still run (empty: the walk vouches)


def _walk(node: dict, model: str, path: str, walk: Walk, is_resource: bool = False) -> None:
    out = walk.out
    if not node:
        out.append((path, "ele-1", "element is an empty object", node))
        return
    sch = schema(model)
    for key, value in node.items():
        field = sch.fields.get(key)
        if field is None:
            if key.startswith("_") and value in ([], {}, None):
                out.append((f"{path}.{key}", "ele-1", "empty primitive extension", value))
            elif not (is_resource and key == "resourceType"):
                walk.doubts.append(f"{path}.{key}")
            continue
        here = f"{path}.{key}"
        if isinstance(value, list):
            if not field.is_list:
                walk.doubts.append(here)
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
                _check(item, field, f"{here}[{index}]", walk)
        elif not field.is_list:
            _check(value, field, here, walk)
        else:
            walk.doubts.append(here)
    for key in sch.required:
        if key not in node and f"_{key}" not in node:
            out.append((f"{path}.{key}", "cardinality", "required element is missing", None))
    for group, keys in sch.choices:
        if not any(k in node for k in keys):
            out.append((f"{path}.{group}[x]", "cardinality", "required element is missing", None))
    for keys in sch.groups:
        if sum(k in node for k in keys) > 1:
            walk.doubts.append(f"{path}.{keys[0]}")
    if sch.name == "Extension":
        has_value = any(k.startswith("value") for k in node)
        if bool(node.get("extension")) == has_value:
            out.append(
                (path, "ext-1", "extension needs a value or nested extensions, not both", None)
            )
    elif sch.name == "BundleEntry" and not any(
        k in node for k in ("resource", "request", "response")
    ):
        out.append((path, "bdl-5", "must be a resource unless there's a request or response", None))


def _check(value: Any, field: Field, path: str, walk: Walk) -> None:
    kind, out = field.kind, walk.out
    if kind == "model":
        if isinstance(value, dict):
            _walk(value, field.model, path, walk)
        else:
            walk.doubts.append(path)
        return
    if kind == "resource":
        inner = value.get("resourceType") if isinstance(value, dict) else None
        model = None if inner is None else resource_reference(str(inner))
        if model is not None:
            _walk(value, model, path, walk, is_resource=True)
        else:
            walk.doubts.append(path)
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
        enum = walk.overrides.get(field.key, field.enum)
        if enum is not None and value not in enum:
            allowed = ", ".join(sorted(enum))
            out.append((path, "binding", f"code not in the required value set ({allowed})", value))
    if not _primitive_ok(field, value):
        walk.doubts.append(path)


def references(node: Any) -> list[str]:
    """Every ``reference`` string in a resource outside its contained resources (any order)."""
    # An explicit stack: a recursive generator costs a frame per JSON node.
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "reference" and isinstance(value, str):
                    found.append(value)
                elif key != "contained":
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _dom3(resource: dict, path: str) -> Iterator[tuple[str, str, str, Any]]:
    contained = resource.get("contained")
    if not isinstance(contained, list) or not contained:
        return
    refs = set(references(resource))
    for index, item in enumerate(contained):
        if not isinstance(item, dict):
            continue
        inner = set(references(item))
        if f"#{item.get('id')}" not in refs and "#" not in inner:
            message = "contained resource is not referenced from the containing resource"
            yield (f"{path}.contained[{index}]", "dom-3", message, item.get("id"))


def _pydantic_path(root: str, loc: tuple) -> str:
    text = root
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def check_structure(
    resource: dict,
    *,
    label: str,
    source: str | None,
    enum_overrides: Overrides | None = None,
    always_model: bool = False,
) -> list[Finding]:
    """All layer-1 findings for one resource (``label`` is ``Type/id`` for the report).

    ``always_model`` runs the R4B model even when the walk vouches for the resource (tests).
    """
    rtype = str(resource.get("resourceType"))
    model = resource_reference(rtype)
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
    walk = Walk(raw, enum_overrides or {}, [])
    _walk(resource, model, rtype, walk, is_resource=True)
    raw.extend(_dom3(resource, rtype))
    seen = {path for path, *_ in raw}
    if always_model or walk.doubts or not all(map(_model_repeats, raw)):
        _model_findings(resource, model, rtype, raw, seen)
    return [
        Finding("error", label, path, rule, message, short_value(value), source=source)
        for path, rule, message, value in raw
    ]


def _model_repeats(finding: tuple[str, str, str, Any]) -> bool:
    """Whether, with no doubt, the R4B model can add nothing to this walk finding: it does not
    check codes, ext-1, dom-3 or bdl-5, and reports a missing required element (not a choice) at the
    same path, which is dropped as a duplicate."""
    path, rule = finding[0], finding[1]
    return rule in ("binding", "ext-1", "dom-3", "bdl-5") or (
        rule == "cardinality" and not path.endswith("[x]")
    )


def _model_findings(resource: dict, model: str, rtype: str, raw: list, seen: set[str]) -> None:
    """Add the R4B model's errors at paths the walk has not reported."""
    from pydantic import ValidationError

    try:
        model_class(model).model_validate(resource)
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
