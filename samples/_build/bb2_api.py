"""What BB2 serves the same way in v1 and v2: searchset bundles, userinfo, enrollment extensions.

Coverage carries the same enrollment variables in both versions (only the surrounding elements
differ), and BB2's userinfo endpoint does not depend on the FHIR version.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_bits import Json, coding, ext_coding, ext_date, var

SEX_SNOMED = {"female": "248152002", "male": "248153007"}
COVERAGE_PARTS = ("a", "b", "c", "d")
# BFD spells some monthly variables name_01, others name01.
UNDERSCORE_MONTHLY = ("dual", "ptc_cntrct_id", "ptc_pbp_id", "ptc_plan_type_cd", "hmo_ind")
# Extensions of each Coverage part, in BFD order: (kind, column or monthly column).
COVERAGE_EXTENSIONS: dict[str, list[tuple[str, str]]] = {
    "a": [
        ("coding", "ms_cd"),
        ("coding", "orec"),
        ("coding", "crec"),
        ("coding", "esrd_ind"),
        ("coding", "a_trm_cd"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
        ("monthly", "buyin"),
    ],
    "b": [
        ("coding", "ms_cd"),
        ("coding", "b_trm_cd"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
        ("monthly", "buyin"),
    ],
    "c": [
        ("monthly", "ptc_cntrct_id"),
        ("monthly", "ptc_pbp_id"),
        ("monthly", "ptc_plan_type_cd"),
        ("monthly", "hmo_ind"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
    ],
    "d": [
        ("coding", "ms_cd"),
        ("monthly", "ptdcntrct"),
        ("dated", "ptdcntrct"),
        ("monthly", "ptdpbpid"),
        ("monthly", "sgmtid"),
        ("monthly", "cstshr"),
        ("monthly", "rdsind"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
    ],
}


def monthly_name(column: str, month: int) -> str:
    """BFD's variable name for month ``month`` (1-12) of a monthly enrollment column."""
    sep = "_" if column in UNDERSCORE_MONTHLY else ""
    return f"{column}{sep}{month:02d}"


def monthly(bene: dict[str, Any], column: str) -> list[Json]:
    return [ext_coding(monthly_name(column, m + 1), code) for m, code in enumerate(bene[column])]


def enrollment_extensions(bene: dict[str, Any], part: str) -> list[Json]:
    exts: list[Json] = []
    for kind, column in COVERAGE_EXTENSIONS[part]:
        if kind == "coding":
            exts.append(ext_coding(column, bene[column]))
        elif kind == "year":
            exts.append(ext_date(column, bene[column]))
        elif kind == "monthly":
            exts.extend(monthly(bene, column))
        else:  # BFD repeats Part D contracts with the reference month in the URL
            for m, code in enumerate(bene[column]):
                name = monthly_name(column, m + 1)
                url = f"{var(name)}/{bene['rfrnc_yr']}-{m + 1}"
                exts.append({"url": url, "valueCoding": coding(name, code)})
    return exts


def searchset(
    base: str, entries: list[Json], self_url: str, last_updated: str, *, paging: str = ""
) -> Json:
    """A searchset Bundle holding every match on one page, with BFD's link relations."""
    links = []
    if paging:
        links += [
            {"relation": "first", "url": base + paging},
            {"relation": "last", "url": base + paging},
        ]
    links.append({"relation": "self", "url": base + self_url})
    return {
        "resourceType": "Bundle",
        # BFD sends a random id; ours is derived from the request so rebuilding is reproducible.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, base + self_url)),
        "meta": {"lastUpdated": last_updated},
        "type": "searchset",
        "total": len(entries),
        "link": links,
        "entry": [{"resource": e} for e in entries],
    }


def eob_searchset(base: str, bene: dict[str, Any], eobs: list[Json]) -> Json:
    n, bid = len(eobs), bene["bene_id"]
    newest = max(e["meta"]["lastUpdated"] for e in eobs)
    return searchset(
        base,
        eobs,
        f"ExplanationOfBenefit/?_count={n}&patient={bid}",
        newest,
        paging=f"ExplanationOfBenefit?patient={bid}&startIndex=0&_count={n}",
    )


def coverage_searchset(base: str, bene: dict[str, Any], parts: list[Json]) -> Json:
    return searchset(base, parts, f"Coverage/?beneficiary={bene['bene_id']}", bene["last_updated"])


def userinfo(bene: dict[str, Any]) -> Json:
    """BB2's OIDC userinfo, keys in the order the server sends them."""
    return {
        "sub": bene["bene_id"],
        "name": " ".join([bene["given"][0], bene["family"]]),
        "given_name": bene["given"][0],
        "family_name": bene["family"],
        "email": bene["email"],
        "iat": bene["userinfo_iat"],
        "patient": bene["bene_id"],
    }
