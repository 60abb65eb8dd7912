"""Links from table rows to the CARIN Blue Button profile pages.

BB2 v2 declares unversioned C4BB profile URLs from the IG's STU1 era, so the links point at the
published STU1 pages; an element link goes to the profile's definitions page, anchored at the
element (slices and discriminators removed, as the IG publisher names its anchors).
"""

from __future__ import annotations

import re

CARIN_PAGES = "http://hl7.org/fhir/us/carin-bb/STU1/"
_BRACKETS = re.compile(r"\[[^\]]*\]")


def profile_name(profile_url: str) -> str:
    """``.../StructureDefinition/C4BB-Patient`` -> ``C4BB-Patient``."""
    return profile_url.rstrip("/").rsplit("/", 1)[-1].split("|", 1)[0]


def profile_page(profile_url: str) -> str:
    return f"{CARIN_PAGES}StructureDefinition-{profile_name(profile_url)}.html"


def element_page(profile_url: str, resource: str, element: str) -> str:
    """The definitions page of the profile, at ``element`` when it is a plain path."""
    page = f"{CARIN_PAGES}StructureDefinition-{profile_name(profile_url)}-definitions.html"
    plain = _BRACKETS.sub("", element or "").strip("/ .")
    if plain and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*", plain):
        return f"{page}#{resource}.{plain}"
    return page
