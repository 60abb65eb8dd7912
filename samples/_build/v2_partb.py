"""v2 (R4 / CARIN) carrier and DME claims.

The referral becomes an NPI identifier plus ``referring`` careTeam members, each performing
provider gets a NUCC taxonomy, the carrier's billing organization becomes a ``primary`` member,
test results are supportingInfo referencing contained Observations, claim totals move to
benefitBalance, and BFD's v2 choices for these claim types are kept (see the tables).
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    HCPCS,
    NDC,
    NPI,
    NUCC,
    Json,
    bb_category,
    coding,
    compact,
    concept,
    ext_coding,
    ext_quantity,
    extensions,
    period,
    var,
)
from v2_claims import (
    C4BB_CS,
    THO,
    SupportingInfo,
    adjudication,
    benefit_balance,
    c4bb,
    diagnoses,
    envelope,
    money,
    npi_identifier,
)

Record = dict[str, Any]

ROLE = C4BB_CS + "C4BBClaimCareTeamRole"
CLAIM_EXTENSIONS = [
    ("coding", "nch_near_line_rec_ident_cd"),
    ("identifier", "carr_num"),
    ("identifier", "carr_clm_cntl_num"),
    ("coding", "carr_clm_pmt_dnl_cd"),
    ("coding", "asgmntcd"),
    ("identifier", "clm_clncl_tril_num"),
    ("coding", "carr_clm_entry_cd"),
]
BENEFITS = [
    "carr_clm_cash_ddctbl_apld_amt",
    "nch_clm_prvdr_pmt_amt",
    "nch_clm_bene_pmt_amt",
    "nch_carr_clm_sbmtd_chrg_amt",
    "nch_carr_clm_alowd_amt",
]
_LINE_TAIL = [
    ("coding", "betos_cd"),
    ("coding", "line_bene_prmry_pyr_cd"),
    ("coding", "line_prcsg_ind_cd"),
    ("coding", "line_service_deductible"),
]
# "mtus_code" is BFD's repeat of the carrier MTUS count extension holding the MTUS code.
LINE_EXTENSIONS = {
    "carrier": [
        ("quantity", "carr_line_mtus_cnt"),
        ("mtus_code", "carr_line_mtus_cnt"),
        ("coding", "carr_line_mtus_cd"),
        *_LINE_TAIL,
    ],
    "dme": [
        ("identifier", "suplrnum"),
        ("quantity", "dmerc_line_scrn_svgs_amt"),
        ("mtus", "dmerc_line_mtus_cnt"),
        ("coding", "dmerc_line_prcng_state_cd"),
        ("coding", "dmerc_line_supplr_type_cd"),
        *_LINE_TAIL,
    ],
}
LOCATION_EXTENSIONS = {
    "carrier": [
        ("coding", "prvdr_state_cd"),
        ("coding", "prvdr_zip"),
        ("coding", "carr_line_prcng_lclty_cd"),
        ("identifier", "carr_line_clia_lab_num"),
    ],
    "dme": [("coding", "prvdr_state_cd")],
}
_SHARED_ADJUDICATIONS = [
    "line_nch_pmt_amt",
    "line_bene_pmt_amt",
    "line_prvdr_pmt_amt",
    "line_bene_ptb_ddctbl_amt",
    "line_bene_prmry_pyr_pd_amt",
    "line_coinsrnc_amt",
    "line_sbmtd_chrg_amt",
    "line_alowd_chrg_amt",
]
# (adjudication variable, column holding its amount). BFD v2 DME also reports the line provider
# payment as a revenue-centre payment, and the purchase price a second time.
ADJUDICATIONS = {
    "carrier": [
        ("carr_line_rdcd_pmt_phys_astn_c", None),
        *((c, None) for c in _SHARED_ADJUDICATIONS),
    ],
    "dme": [
        ("rev_cntr_prvdr_pmt_amt", "line_prvdr_pmt_amt"),
        ("line_prmry_alowd_chrg_amt", None),
        ("line_dme_prchs_price_amt", None),
        *((c, None) for c in _SHARED_ADJUDICATIONS),
        ("line_dme_prchs_price_amt", None),
    ],
}


def line_extensions(line: Record, ctype: str) -> list[Json]:
    out = []
    for kind, column in LINE_EXTENSIONS[ctype]:
        if kind == "mtus_code":
            code = {"system": var(column), "code": line["carr_line_mtus_cd"]}
            out.append({"url": var(column), "valueCoding": code})
        elif kind == "mtus":
            unit = {
                "unit": "Number of services",
                "system": var("dmerc_line_mtus_cd"),
                "code": line["dmerc_line_mtus_cd"],
            }
            out.append(ext_quantity(column, line[column], **unit))
        else:
            out += extensions([(kind, column)], line, money)
    return out


class CareTeam:
    """careTeam numbered 1..n: referring members first, then one member per distinct provider."""

    def __init__(self) -> None:
        self.members: list[Json] = []
        self.seq_of: dict[tuple[str, str], int] = {}

    def add(self, key: tuple[str, str], member: Json) -> int:
        if key not in self.seq_of:
            self.seq_of[key] = len(self.members) + 1
            self.members.append({"sequence": self.seq_of[key], **member})
        return self.seq_of[key]


def partb(claim: Record, bene: Record) -> Json:
    ctype = claim["claim_type"]
    env = envelope(claim, bene)
    info = SupportingInfo()
    info.column("nch_wkly_proc_dt", claim)
    referrer = npi_identifier(claim["rfr_physn_npi"])
    team = CareTeam()
    rfr_taxonomy = claim.get("rfr_taxonomy")
    team.add(
        ("referring", claim["rfr_physn_npi"]),
        {
            "provider": {"identifier": referrer, "display": claim.get("rfr_physn_name")},
            "role": concept(ROLE, "referring"),
            "qualification": concept(NUCC, rfr_taxonomy) if rfr_taxonomy else None,
        },
    )
    if claim.get("carr_clm_rfrng_pin_num"):
        # BFD types the referring physician's PIN as an NPI.
        pin = {"identifier": npi_identifier(claim["carr_clm_rfrng_pin_num"])}
        team.add(
            ("referring", claim["carr_clm_rfrng_pin_num"]),
            {"provider": pin, "role": concept(ROLE, "referring")},
        )
    contained: list[Json] = []
    items = []
    for line in claim["lines"]:
        performer = line.get("prf_physn_npi") or line["prvdr_npi"]
        seqs = [team.add(("performing", performer), performing_member(line, ctype))]
        if ctype == "carrier":
            seqs.append(team.add(("primary", line["org_npi_num"]), primary_org(line)))
        info_seq = None
        if line.get("line_hct_hgb_rslt_num") is not None:
            obs_id = f"line-observation-{line['line_num']}"
            contained.append(
                {
                    "resourceType": "Observation",
                    "id": obs_id,
                    "status": "unknown",
                    "code": concept("line_hct_hgb_type_cd", line["line_hct_hgb_type_cd"]),
                    "valueQuantity": {"value": line["line_hct_hgb_rslt_num"]},
                }
            )
            category = [
                coding(THO + "claiminformationcategory", "info"),
                bb_category("information", "line_hct_hgb_rslt_num"),
            ]
            info_seq = info.add(
                {
                    "sequence": 0,
                    "category": {"coding": category},
                    "valueReference": {"reference": "#" + obs_id},
                }
            )
        items.append(item(line, ctype, seqs, info_seq))
    if ctype == "carrier":
        provider = {
            "identifier": {
                "system": var("carr_clm_blg_npi_num"),
                "value": claim["carr_clm_blg_npi_num"],
            }
        }
    else:  # BFD v2 names the first line's supplier as the DME claim's provider
        first = claim["lines"][0]
        provider = {
            "type": "Practitioner",
            "identifier": {"system": NPI, "value": first["prvdr_npi"]},
            "display": first["prvdr_name"],
        }
    total_category = [
        c4bb("C4BBAdjudication", "priorpayerpaid"),
        bb_category("adjudication", "clm_tot_chrg_amt"),
    ]
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "contained": contained,
            "extension": extensions(CLAIM_EXTENSIONS, claim, money),
            "identifier": env["identifier"],
            "status": env["status"],
            "type": env["type"],
            "use": env["use"],
            "patient": env["patient"],
            "billablePeriod": period(claim["clm_from_dt"], claim["clm_thru_dt"]),
            "created": env["created"],
            "insurer": env["insurer"],
            "provider": provider,
            "referral": {"identifier": referrer, "display": claim.get("rfr_physn_name")},
            "outcome": env["outcome"],
            "disposition": claim["clm_disp_cd"],
            "careTeam": team.members,
            "supportingInfo": info.items,
            "diagnosis": diagnoses(claim),
            "insurance": env["insurance"],
            "item": items,
            "total": [{"category": {"coding": total_category}, "amount": money(claim["prpayamt"])}],
            "payment": {"amount": money(claim["clm_pmt_amt"])},
            "benefitBalance": benefit_balance(BENEFITS, claim),
        }
    )


def performing_member(line: Record, ctype: str) -> Json:
    exts = [ext_coding("prtcptng_ind_cd", line["prtcptng_ind_cd"])]
    if ctype == "carrier":
        exts.insert(0, ext_coding("carr_line_prvdr_type_cd", line["carr_line_prvdr_type_cd"]))
        provider = {"identifier": npi_identifier(line["prf_physn_npi"])}
    else:
        provider = {"identifier": npi_identifier(line["prvdr_npi"]), "display": line["prvdr_name"]}
    qualification = [coding(NUCC, line["taxonomy"]), coding("prvdr_spclty", line["prvdr_spclty"])]
    return {
        "extension": exts,
        "provider": provider,
        "responsible": True,
        "role": concept(ROLE, "performing"),
        "qualification": {"coding": qualification},
    }


def primary_org(line: Record) -> Json:
    return {
        "provider": {
            "identifier": npi_identifier(line["org_npi_num"]),
            "display": line["org_name"],
        },
        "role": concept(THO + "claimcareteamrole", "primary"),
    }


def item(line: Record, ctype: str, team: list[int], info_seq: int | None) -> Json:
    adjudications = []
    for column, source in ADJUDICATIONS[ctype]:
        adj = adjudication(column, line, source)
        if adj and column == "line_nch_pmt_amt":
            rate = ext_coding("line_pmt_80_100_cd", line["line_pmt_80_100_cd"])
            adj = {"extension": [rate], **adj}
        adjudications.append(adj)
    ndc = line.get("line_ndc_cd")
    return {
        "extension": line_extensions(line, ctype),
        "sequence": line["line_num"],
        "careTeamSequence": team,
        "diagnosisSequence": [line["dx"]],
        "informationSequence": [info_seq] if info_seq else None,
        "category": concept("line_cms_type_srvc_cd", line["line_cms_type_srvc_cd"]),
        "productOrService": {
            "extension": [{"url": NDC, "valueCoding": coding(NDC, ndc)}] if ndc else None,
            "coding": [{"system": HCPCS, "code": line["hcpcs_cd"]}],
        },
        # the HCPCS year stays on modifiers in v2 but not on productOrService
        "modifier": [
            {"coding": [{"system": HCPCS, "version": line["hcpcs_yr"], "code": m}]}
            for m in line["mdfr"]
        ],
        "servicedPeriod": period(line["line_1st_expns_dt"], line["line_last_expns_dt"]),
        "locationCodeableConcept": {
            "extension": extensions(LOCATION_EXTENSIONS[ctype], line, money),
            "coding": [coding("line_place_of_srvc_cd", line["line_place_of_srvc_cd"])],
        },
        "quantity": {"value": line["line_srvc_cnt"]},
        "adjudication": adjudications,
    }
