"""Corrections to the code lists fhir.resources ships for required bindings.

The models' ``enum_values`` are parsed from short descriptions, so a few are wrong: truncated
(``registered | preliminary | final | amended +``) or not a value set at all
(``CapabilityStatement.format``: "xml | json | ttl | mime type" for a MIME-type binding). When
the R4 core package is available, the rule-set compiler expands each required ``code`` binding
and records where the model disagrees: the R4 codes, or ``None`` when the value set cannot be
enumerated offline (then the code is not checked rather than checked against a wrong list).
"""

from __future__ import annotations

from .packages import Package
from .r4_schema import model_class, resource_reference, schema
from .terminology import compile_value_set


def enum_overrides(core: Package) -> dict[str, list[str] | None]:
    """``{"ModelClass.jsonKey": codes-or-None}`` where the model's enum is not the R4 one."""
    out: dict[str, list[str] | None] = {}
    for sd in core.structure_definitions.values():
        if sd.get("derivation") != "specialization" or sd.get("kind") not in (
            "resource",
            "complex-type",
        ):
            continue
        root = resource_reference(sd.get("type", ""))
        if root is None:
            continue
        for element in (sd.get("snapshot") or {}).get("element", []):
            binding = element.get("binding") or {}
            types = [t.get("code") for t in element.get("type", [])]
            if binding.get("strength") != "required" or types != ["code"]:
                continue
            *parents, leaf = element["path"].split(".")[1:]
            model = root
            for part in parents:
                field = schema(model).fields.get(part)
                model = field.model if field is not None and field.kind == "model" else None
                if model is None:
                    break
            if model is None:
                continue
            field = schema(model).fields.get(leaf)
            fields = model_class(model).model_fields.items()
            info = next((f for n, f in fields if (f.alias or n) == leaf), None)
            extra = info.json_schema_extra if info is not None else None
            raw = extra.get("enum_values") if isinstance(extra, dict) else None
            if field is None or not raw:
                continue
            vs = compile_value_set(binding.get("valueSet", ""), core.value_sets, core.code_systems)
            codes = {c for values in vs["codes"].values() for c in values}
            complete = not vs.get("missing") and not vs["unchecked"] and codes
            if not complete:
                out[field.key] = None
            elif codes != set(raw):
                out[field.key] = sorted(codes)
    return dict(sorted(out.items()))
