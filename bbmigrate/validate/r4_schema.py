"""The R4B models' metadata the structure walk reads, stored so a run need not build the models.

The walk (``structure.py``) needs, per model, each JSON key's kind, list-ness, sub-model, code
list, required elements and choice groups, and per primitive type what it accepts
(``primitives.spec``). fhir.resources holds all of it, but importing the R4B models and
building their pydantic classes costs ~0.2 s per run, most of ``bbmigrate validate`` of one
file. ``derive`` reads it from the models (the only place it is ever read from);
``scripts/build_r4_schema.py`` stores the result for every R4B type in ``rulesets/r4b-schema.jsonl``
together with the fhir.resources, fhir_core and pydantic versions and a digest of this module.
The file is JSON Lines: a header (versions, resource types, primitive types, the models' order),
then one model per line, parsed only when the walk first meets that model (an EOB needs ~40 of
the 682), so a run does not build objects for all of them.
A run uses the stored file only when all of them are the installed ones; otherwise it derives
each model's entry from the model on first use, as before (slower, same answers).
``tests/test_validate_r4_schema.py`` fails when the stored file is not what ``derive`` gives.

Models are named by reference, ``module.Class`` (``fhir.resources.R4B.claim.ClaimItem``): the
R4B model class itself is imported only when the walk has a doubt (``model_class``).
"""

from __future__ import annotations

import importlib
import typing
import zlib
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from . import installed, primitives

SCHEMA_PATH = Path(__file__).resolve().parent / "rulesets" / "r4b-schema.jsonl"
_DISTRIBUTIONS = ("fhir.resources", "fhir_core", "pydantic", "pydantic_core")


class Field(NamedTuple):
    kind: str  # boolean | integer | decimal | string | model | resource
    is_list: bool
    model: str | None  # the sub-model's reference (kind "model")
    enum: frozenset[str] | None
    key: str  # "ModelClass.jsonKey", the key of enum overrides (core_enums.py)
    primitive: str | None  # the primitive type's name (primitives.name_of)
    owner: str  # the reference of the model that declares this field


class Schema(NamedTuple):
    name: str  # the model class's name (Extension, ExplanationOfBenefitItem, ...)
    fields: dict[str, Field]
    required: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]  # required choice groups: name, json keys
    groups: tuple[tuple[str, ...], ...]  # every choice group's json keys (at most one allowed)


# -- reading the models ----------------------------------------------------------------------
_INTEGER_MARKERS = {"Integer", "PositiveInt", "UnsignedInt", "Integer64"}


def _kind(tp: Any) -> tuple[str, str | None]:
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
        return "model", klass
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


def reference(model: type) -> str:
    return f"{model.__module__}.{model.__qualname__}"


@cache
def model_class(ref: str) -> type:
    """The R4B model class a reference names (imports its module)."""
    module, _, name = ref.rpartition(".")
    return getattr(importlib.import_module(module), name)


def item_types(model: type) -> dict[str, Any]:
    """JSON key -> the annotated type of one item of each field (what pydantic checks)."""
    return {
        info.alias or name: _unwrap(info.annotation)[0] for name, info in model.model_fields.items()
    }


def derive(model: type, found: dict[str, primitives.Spec] | None = None) -> Schema:
    """The walk's view of one model, read from the model; ``found`` collects primitive specs."""
    fields: dict[str, Field] = {}
    required: list[str] = []
    groups: dict[str, list[str]] = {}
    group_required: set[str] = set()
    owner = reference(model)
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key.startswith("_") or key == "fhir_comments" or key == "resource_type":
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        tp, is_list = _unwrap(info.annotation)
        kind, sub = _kind(tp)
        primitive = None
        if kind not in ("model", "resource"):
            primitive = primitives.name_of(tp)
            if found is not None:
                spec = primitives.spec(tp)
                if found.setdefault(primitive, spec) != spec:
                    raise ValueError(f"two primitive types named {primitive!r} ({owner}.{key})")
        enum = extra.get("enum_values")
        # Enums parsed from "a | b | c +" short texts are truncated lists; trust only complete ones.
        usable = enum and not any("+" in code or " " in code for code in enum)
        enum_set = frozenset(enum) if usable else None
        key_name = f"{model.__name__}.{key}"
        fields[key] = Field(kind, is_list, sub, enum_set, key_name, primitive, owner)
        if extra.get("one_of_many"):
            groups.setdefault(extra["one_of_many"], []).append(key)
            if extra.get("one_of_many_required"):
                group_required.add(extra["one_of_many"])
        elif info.is_required() or extra.get("element_required"):
            required.append(key)
    choices = tuple((g, tuple(keys)) for g, keys in groups.items() if g in group_required)
    return Schema(
        model.__name__,
        fields,
        tuple(required),
        choices,
        tuple(tuple(k) for k in groups.values()),
    )


def _model_for_type(name: str) -> type | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(name)
    except (KeyError, ValueError, AttributeError):
        return None


# -- the stored file -------------------------------------------------------------------------
def versions() -> dict[str, str | None]:
    """What the stored file is only valid for: the installed libraries and this module."""
    found: dict[str, str | None] = {name: installed.version(name) for name in _DISTRIBUTIONS}
    # A checksum of this module's source (zlib: hashlib costs ~3 ms to import; any edit counts).
    found["bbmigrate.validate.r4_schema"] = f"{zlib.crc32(Path(__file__).read_bytes()):08x}"
    return found


def build() -> dict[str, Any]:
    """Every R4B type the models know (``get_fhir_model_class`` names) and every model they
    reach, as the stored document."""
    from fhir.resources.R4B import fhirtypes

    names = sorted(
        name[: -len("Type")]
        for name in dir(fhirtypes)
        if name.endswith("Type") and isinstance(getattr(fhirtypes, name, None), type)
    )
    types: dict[str, str] = {}
    models: dict[str, list] = {}
    specs: dict[str, primitives.Spec] = {}
    pending: list[str] = []
    for name in names:
        model = _model_for_type(name)
        if model is not None:
            types[name] = reference(model)
            pending.append(types[name])
    while pending:
        ref = pending.pop()
        if ref in models:
            continue
        sch = derive(model_class(ref), specs)
        fields = [
            [key, f.kind, f.is_list, f.model, sorted(f.enum) if f.enum else None, f.primitive]
            for key, f in sch.fields.items()
        ]
        models[ref] = [sch.name, fields, sch.required, sch.choices, sch.groups]
        pending.extend(f.model for f in sch.fields.values() if f.model and f.model not in models)
    return {
        "versions": versions(),
        "types": types,
        "models": dict(sorted(models.items())),
        "primitives": dict(sorted(specs.items())),
    }


def dump(document: dict[str, Any]) -> bytes:
    """The stored form of ``build()``: a header line, then one line per model."""
    models = document["models"]
    header = {key: document[key] for key in ("versions", "types", "primitives")}
    lines = [orjson.dumps({**header, "models": list(models)})]
    lines += [orjson.dumps(entry) for entry in models.values()]
    return b"\n".join(lines) + b"\n"


class Stored(NamedTuple):
    header: dict[str, Any]
    models: dict[str, bytes]  # reference -> its line, not parsed yet


@cache
def stored() -> Stored | None:
    """The stored file, when it was written for the installed libraries and this code."""
    try:
        first, *lines = SCHEMA_PATH.read_bytes().split(b"\n")
        header = orjson.loads(first)
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(header, dict) or header.get("versions") != versions():
        return None
    refs = header.get("models")
    if not isinstance(refs, list) or len(lines) != len(refs) + 1:  # + the final newline's ""
        return None
    return Stored(header, dict(zip(refs, lines, strict=False)))


# -- what the walk asks ----------------------------------------------------------------------
# Without the stored file: the primitive specs of the models derived so far (a field's owner is
# always derived before its values are checked).
_DERIVED_SPECS: dict[str, primitives.Spec] = {}


@cache
def resource_reference(resource_type: str) -> str | None:
    """The model of a ``resourceType`` (any name ``get_fhir_model_class`` knows), or ``None``."""
    document = stored()
    if document is not None:
        return document.header["types"].get(resource_type)
    model = _model_for_type(resource_type)
    return None if model is None else reference(model)


@cache
def schema(ref: str) -> Schema:
    """The walk's view of the model ``ref``: from the stored file, else from the model."""
    document = stored()
    line = None if document is None else document.models.get(ref)
    if line is None:
        return derive(model_class(ref), _DERIVED_SPECS)
    name, rows, required, choices, groups = orjson.loads(line)
    fields = {
        key: Field(
            kind, is_list, sub, frozenset(enum) if enum else None, f"{name}.{key}", prim, ref
        )
        for key, kind, is_list, sub, enum, prim in rows
    }
    return Schema(
        name,
        fields,
        tuple(required),
        tuple((group, tuple(keys)) for group, keys in choices),
        tuple(tuple(keys) for keys in groups),
    )


@cache
def primitive_check(name: str) -> primitives.Check:
    """``primitives.checker`` of the primitive type ``name`` (stored, else read from a model)."""
    document = stored()
    specs = _DERIVED_SPECS if document is None else document.header["primitives"]
    return primitives.checker(specs.get(name) or {"check": None})
