"""Links from table rows to the CARIN Blue Button profile pages.

BB2 v2 declares unversioned C4BB profile URLs from the IG's STU1 era, so the links point at the
published STU1 pages; an element link goes to the profile's definitions page, anchored at the
element (slices and discriminators removed, as the IG publisher names its anchors).
"""

from __future__ import annotations

import functools
import re

CARIN_PAGES = "http://hl7.org/fhir/us/carin-bb/STU1/"
_BRACKETS = re.compile(r"\[[^\]]*\]")


def profile_name(profile_url: str) -> str:
    """``.../StructureDefinition/C4BB-Patient`` -> ``C4BB-Patient``."""
    return profile_url.rstrip("/").rsplit("/", 1)[-1].split("|", 1)[0]


_TYPE_NAME = re.compile(r"\b(\w+)Type\b")


@functools.lru_cache(maxsize=4096)
def element_id(resource: str, element: str) -> str:
    """The StructureDefinition element id an element path lands on, as the IG pages anchor it.

    The walk follows the R4 resource model (``fhir.resources.R4B``) through backbone elements,
    writes choice types as ``[x]`` (``timingDate`` -> ``timing[x]``) and stops at the first
    datatype (CodeableConcept, Money, Extension...), whose inner parts a profile page does not
    list: ``supportingInfo[N].code.coding[N].code`` -> ``ExplanationOfBenefit.supportingInfo.code``.
    """
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(resource)
    except (KeyError, ValueError):
        return resource
    parts = [resource]
    for name in _BRACKETS.sub("", element or "").strip("/ .").split("."):
        # fhir.resources renames fields that clash with Python keywords (class -> class_fhir).
        fields = model.model_fields if model and name else {}
        field = fields.get(name) or fields.get(f"{name}_fhir")
        if field is None:
            break
        choice = (field.json_schema_extra or {}).get("one_of_many")
        parts.append(f"{choice}[x]" if choice else name)
        found = _TYPE_NAME.search(str(field.annotation))
        if not found or not found.group(1).startswith(resource):
            break
        model = get_fhir_model_class(found.group(1))
    return ".".join(parts)


def element_page(profile_url: str, resource: str, element: str) -> str:
    """The definitions page of the profile, anchored at the element ``element`` lands on."""
    page = f"{CARIN_PAGES}StructureDefinition-{profile_name(profile_url)}-definitions.html"
    return f"{page}#{element_id(resource, element.split(' or ')[0])}"
