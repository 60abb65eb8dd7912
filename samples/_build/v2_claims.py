"""v2 (R4 / CARIN) ExplanationOfBenefit writer, table-driven per claim type.

Built from the same claim records as the v1 writer but with its own tables: CARIN profile,
claim-type and subType per claim type, CARIN/HL7 categories in front of the BB codings,
supportingInfo instead of information, renumbered careTeam, and Money with currency.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    CODESYSTEM,
    HCPCS,
    ICD9_CM,
    ICD10_CM,
    ICD10_PCS_CMS,
    ICD10_SID,
    NDC,
    NPI,
    NUBC_ADMIT,
    NUCC,
    UCUM,
    Json,
    bb_category,
    coding,
    compact,
    concept,
    ext_coding,
    ext_date,
    ext_identifier,
    ext_quantity,
    period,
    var,
)

Record = dict[str, Any]

C4BB_SD = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
C4BB_CS = "http://hl7.org/fhir/us/carin-bb/CodeSystem/"
THO = "http://terminology.hl7.org/CodeSystem/"
CLAIM_GROUP = "https://bluebutton.cms.gov/resources/identifier/claim-group"

EOB_TYPE = {
    "carrier": "CARRIER",
    "dme": "DME",
    "hha": "HHA",
    "hospice": "HOSPICE",
    "inpatient": "INPATIENT",
    "outpatient": "OUTPATIENT",
    "pde": "PDE",
    "snf": "SNF",
}
# (CARIN profile, claim-type code, institutional subType) per claim type, as BFD v2 declares
# them, including its choices for DME (Inpatient profile) and HHA (NonClinician, subType inpatient).
PROFILE = {
    "carrier": ("C4BB-ExplanationOfBenefit-Professional-NonClinician", "professional", None),
    "dme": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", None),
    "hha": ("C4BB-ExplanationOfBenefit-Professional-NonClinician", "professional", "inpatient"),
    "hospice": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", "inpatient"),
    "inpatient": (
        "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
        "institutional",
        "inpatient",
    ),
    "outpatient": (
        "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
        "institutional",
        "outpatient",
    ),
    "pde": ("C4BB-ExplanationOfBenefit-Pharmacy", "pharmacy", None),
    "snf": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", "inpatient"),
}
COVERAGE_PART = {
    "carrier": "b",
    "dme": "a",
    "hha": "b",
    "outpatient": "b",
    "hospice": "a",
    "inpatient": "a",
    "snf": "a",
    "pde": "d",
}

# CARIN/HL7 adjudication category put in front of each BB adjudication variable.
ADJUDICATION_GROUPS: dict[tuple[str, str], list[str]] = {
    (THO + "adjudication", "submitted"): [
        "line_sbmtd_chrg_amt",
        "line_dme_prchs_price_amt",
        "rev_cntr_rate_amt",
        "rev_cntr_tot_chrg_amt",
        "rev_cntr_pmt_amt_amt",
    ],
    (THO + "adjudication", "eligible"): [
        "line_alowd_chrg_amt",
        "line_prmry_alowd_chrg_amt",
    ],
    (THO + "adjudication", "benefit"): [
        "line_nch_pmt_amt",
        "cvrd_d_plan_pd_amt",
    ],
    (THO + "adjudication", "deductible"): [
        "line_bene_ptb_ddctbl_amt",
        "rev_cntr_cash_ddctbl_amt",
        "rev_cntr_blood_ddctbl_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "coinsurance"): [
        "line_coinsrnc_amt",
        "rev_cntr_coinsrnc_wge_adjstd_c",
        "rev_cntr_rdcd_coinsrnc_amt",
        "gdc_abv_oopt_amt",
        "gdc_blw_oopt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidtopatient"): [
        "line_bene_pmt_amt",
        "rev_cntr_bene_pmt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidtoprovider"): [
        "line_prvdr_pmt_amt",
        "rev_cntr_prvdr_pmt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "priorpayerpaid"): [
        "line_bene_prmry_pyr_pd_amt",
        "rev_cntr_1st_msp_pd_amt",
        "rev_cntr_2nd_msp_pd_amt",
        "othr_troop_amt",
        "plro_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidbypatient"): [
        "ptnt_pay_amt",
        "rev_cntr_ptnt_rspnsblty_pmt",
    ],
    (C4BB_CS + "C4BBAdjudication", "noncovered"): [
        "rev_cntr_ncvrd_chrg_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "discount"): [
        "lics_amt",
        "rptd_gap_dscnt_num",
    ],
    (C4BB_CS + "C4BBAdjudication", "drugcost"): [
        "tot_rx_cst_amt",
    ],
}
ADJUDICATION_CATEGORY = {col: key for key, cols in ADJUDICATION_GROUPS.items() for col in cols}
DENIAL_REASONS = {"carr_line_rdcd_pmt_phys_astn_c", "rev_cntr_1st_ansi_cd", "rev_cntr_2nd_ansi_cd"}

# supportingInfo categories: a CARIN code replaces or precedes the BB information coding.
SUPPORTING_INFO: dict[str, tuple[str, bool]] = {
    "nch_wkly_proc_dt": ("clmrecvddate", True),
    "clm_ip_admsn_type_cd": ("admtype", True),
    "clm_freq_cd": ("typeofbill", False),
    "ptnt_dschrg_stus_cd": ("discharge-status", False),
    "rx_orgn_cd": ("rxorigincode", False),
    "brnd_gnrc_cd": ("brandgenericindicator", False),
}

PARTB_EXTENSIONS = [
    ("coding", "nch_near_line_rec_ident_cd"),
    ("identifier", "carr_num"),
    ("identifier", "carr_clm_cntl_num"),
    ("coding", "carr_clm_pmt_dnl_cd"),
    ("coding", "asgmntcd"),
    ("identifier", "clm_clncl_tril_num"),
    ("coding", "carr_clm_entry_cd"),
]
PARTB_BENEFITS = [
    "carr_clm_cash_ddctbl_apld_amt",
    "nch_clm_prvdr_pmt_amt",
    "nch_clm_bene_pmt_amt",
    "nch_carr_clm_sbmtd_chrg_amt",
    "nch_carr_clm_alowd_amt",
]
PARTB_ADJUDICATIONS = {
    "carrier": [
        "carr_line_rdcd_pmt_phys_astn_c",
        "line_nch_pmt_amt",
        "line_bene_pmt_amt",
        "line_prvdr_pmt_amt",
        "line_bene_ptb_ddctbl_amt",
        "line_bene_prmry_pyr_pd_amt",
        "line_coinsrnc_amt",
        "line_sbmtd_chrg_amt",
        "line_alowd_chrg_amt",
    ],
    # BFD v2 DME also reports the line provider payment as a revenue-centre payment, and the
    # purchase price twice.
    "dme": [
        ("rev_cntr_prvdr_pmt_amt", "line_prvdr_pmt_amt"),
        "line_prmry_alowd_chrg_amt",
        "line_dme_prchs_price_amt",
        "line_nch_pmt_amt",
        "line_bene_pmt_amt",
        "line_prvdr_pmt_amt",
        "line_bene_ptb_ddctbl_amt",
        "line_bene_prmry_pyr_pd_amt",
        "line_coinsrnc_amt",
        "line_sbmtd_chrg_amt",
        "line_alowd_chrg_amt",
        "line_dme_prchs_price_amt",
    ],
}
# Diagnosis type per claim type and record kind: (system, code, display override).
PRINCIPAL = (THO + "ex-diagnosistype", "principal", "Principal Diagnosis")
PRINCIPAL_SHORT = (THO + "ex-diagnosistype", "principal", "principal")
ADMITTING = (THO + "ex-diagnosistype", "admitting", "Admitting Diagnosis")
OTHER = (C4BB_CS + "C4BBClaimDiagnosisType", "other", None)
SECONDARY = (C4BB_CS + "C4BBClaimDiagnosisType", "secondary", None)
EXTERNAL = (C4BB_CS + "C4BBClaimDiagnosisType", "externalcauseofinjury", None)
REASON = (C4BB_CS + "C4BBClaimDiagnosisType", "patientreasonforvisit", None)
DIAGNOSIS_TYPE: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "carrier": {"principal": PRINCIPAL_SHORT, "claim": SECONDARY, "line": SECONDARY},
    "dme": {"principal": PRINCIPAL, "claim": OTHER, "line": SECONDARY},
    "hha": {
        "principal": PRINCIPAL_SHORT,
        "other": SECONDARY,
        "claim": SECONDARY,
        "external-first": SECONDARY,
        "external": SECONDARY,
        "reason-for-visit": SECONDARY,
    },
    "inpatient": {
        "principal": PRINCIPAL,
        "admitting": ADMITTING,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
        "reason-for-visit": OTHER,
    },
    "outpatient": {
        "principal": PRINCIPAL,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
        "reason-for-visit": REASON,
    },
    "snf": {
        "principal": PRINCIPAL,
        "admitting": OTHER,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
    },
    "hospice": {
        "principal": PRINCIPAL,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
    },
}
PDE_SUPPORTING_INFO = [
    "drug_cvrg_stus_cd",
    "daw_prod_slctn_cd",
    "dspnsng_stus_cd",
    "adjstmt_dltn_cd",
    "nstd_frmt_cd",
    "prcng_excptn_cd",
    "ctstrphc_cvrg_cd",
    "rx_orgn_cd",
    "brnd_gnrc_cd",
    "ptnt_rsdnc_cd",
    "submsn_clr_cd",
]
PDE_ADJUDICATIONS = [
    "cvrd_d_plan_pd_amt",
    "gdc_blw_oopt_amt",
    "gdc_abv_oopt_amt",
    "ptnt_pay_amt",
    "othr_troop_amt",
    "lics_amt",
    "plro_amt",
    "tot_rx_cst_amt",
    "rptd_gap_dscnt_num",
]


def money(value: float) -> Json:
    return {"value": value, "currency": "USD"}


def c4bb(code_system: str, code: str) -> Json:
    return coding(C4BB_CS + code_system, code)


def npi_identifier(value: str, *, with_display: bool = True) -> Json:
    type_coding = c4bb("C4BBIdentifierType", "npi")
    if not with_display:
        type_coding.pop("display", None)
    return {"type": {"coding": [type_coding]}, "value": value}


def claim_id(claim: Record) -> str:
    return claim["pde_id"] if claim["claim_type"] == "pde" else claim["clm_id"]


def claim_extension(kind: str, column: str, claim: Record) -> Json | None:
    value = claim.get(column)
    if value is None:
        return None
    if kind == "money":
        return {"url": var(column), "valueMoney": money(value)}
    if kind == "identifier":
        return ext_identifier(column, value)
    if kind == "date":
        return ext_date(column, value)
    if kind == "quantity":
        return ext_quantity(column, value)
    return ext_coding(column, value)


def identifiers(claim: Record) -> list[Json]:
    uc = {"coding": [c4bb("C4BBIdentifierType", "uc")]}
    if claim["claim_type"] == "pde":
        pairs = [
            (var("pde_id"), claim["pde_id"]),
            (CLAIM_GROUP, claim["clm_grp_id"]),
            (var("rx_srvc_rfrnc_num"), claim["rx_srvc_rfrnc_num"]),
        ]
    else:
        pairs = [(var("clm_id"), claim["clm_id"]), (CLAIM_GROUP, claim["clm_grp_id"])]
    return [{"type": uc, "system": system, "value": value} for system, value in pairs]


def envelope(claim: Record, bene: Record) -> Json:
    """Elements every v2 EOB has, in BFD order (a dict the claim writers merge into)."""
    ctype = claim["claim_type"]
    profile, claim_type, sub_type = PROFILE[ctype]
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{ctype}-{claim_id(claim)}",
        "meta": {"lastUpdated": claim["last_updated"], "profile": [C4BB_SD + profile]},
        "identifier": identifiers(claim),
        "status": "active",
        "type": {
            "coding": [
                coding("nch_clm_type_cd", claim["nch_clm_type_cd"]) if ctype != "pde" else None,
                {"system": CODESYSTEM + "eob-type", "code": EOB_TYPE[ctype]},
                coding(THO + "claim-type", claim_type),
            ]
        },
        "subType": {
            "coding": [{"system": C4BB_CS + "C4BBInstitutionalClaimSubType", "code": sub_type}],
            "text": sub_type.capitalize(),
        }
        if sub_type
        else None,
        "use": "claim",
        "patient": {"reference": f"Patient/{bene['bene_id']}"},
        "created": claim["last_updated"],
        "insurer": {"identifier": {"value": "CMS"}},
        "outcome": "complete",
        "insurance": [
            {
                "focal": True,
                "coverage": {
                    "reference": f"Coverage/part-{COVERAGE_PART[ctype]}-{bene['bene_id']}"
                },
            }
        ],
    }


def adjudication(column: str, line: Record, source: str | None = None) -> Json | None:
    value = line.get(source or column)
    if value is None:
        return None
    if column in DENIAL_REASONS:
        return {
            "category": {"coding": [c4bb("C4BBAdjudicationDiscriminator", "denialreason")]},
            "reason": concept(column, value),
        }
    system, code = ADJUDICATION_CATEGORY[column]
    category = [coding(system, code), bb_category("adjudication", column)]
    return {"category": {"coding": category}, "amount": money(value)}


def supporting_info(seq: int, column: str, claim: Record) -> Json | None:
    value = claim.get(column)
    if value is None:
        return None
    carin, keep_bb = SUPPORTING_INFO.get(column, (None, True))
    if carin:
        first = c4bb("C4BBSupportingInfoType", carin)
    else:
        first = coding(THO + "claiminformationcategory", "info")
    category = [first, bb_category("information", column)] if keep_bb else [first]
    out: Json = {"sequence": seq, "category": {"coding": category}}
    if column.endswith("_dt") or column.endswith("_dt_i"):
        if isinstance(value, tuple):
            out["timingPeriod"] = period(*value)
        else:
            out["timingDate"] = value
    elif column == "nch_blood_pnts_frnshd_qty":
        out["valueQuantity"] = {"value": value, "unit": "pint", "system": UCUM, "code": "[pt_us]"}
    elif column == "clm_hha_tot_visit_cnt":
        out["valueQuantity"] = {"value": value}
    elif column == "clm_ip_admsn_type_cd":
        out["code"] = concept(NUBC_ADMIT, value)
    else:
        out["code"] = concept(column, value)
    return out


class SupportingInfo:
    """Collects supportingInfo elements and numbers them 1..n in emission order."""

    def __init__(self) -> None:
        self.items: list[Json] = []

    def add(self, element: Json | None) -> int | None:
        if element is None:
            return None
        element["sequence"] = len(self.items) + 1
        self.items.append(element)
        return element["sequence"]

    def column(self, column: str, claim: Record) -> int | None:
        return self.add(supporting_info(0, column, claim))

    def category(self, carin_code: str, **value: Any) -> int | None:
        category = {"coding": [c4bb("C4BBSupportingInfoType", carin_code)]}
        return self.add({"sequence": 0, "category": category, **value})


def diagnosis_element(seq: int, dx: Record, ctype: str) -> Json:
    if dx["vrsn"] == "9":
        codings = [coding(ICD9_CM, dx["code"])]
    else:
        codings = [coding(ICD10_CM, dx["code"]), coding(ICD10_SID, dx["code"])]
    system, code, label = DIAGNOSIS_TYPE[ctype][dx["kind"]]
    type_coding = coding(system, code)
    if label:
        type_coding["display"] = label
    return {
        "extension": [ext_coding(dx["poa_var"], dx["poa"])] if dx.get("poa") else None,
        "sequence": seq,
        "diagnosisCodeableConcept": {"coding": codings},
        "type": [{"coding": [type_coding]}],
    }


def diagnoses(claim: Record) -> list[Json]:
    return [
        diagnosis_element(i + 1, dx, claim["claim_type"]) for i, dx in enumerate(claim["diagnoses"])
    ]


def procedures(claim: Record) -> list[Json]:
    out = []
    for i, px in enumerate(claim.get("procedures", [])):
        if px["vrsn"] == "9":
            codings = [coding(ICD9_CM, px["code"])]
        else:
            codings = [coding(ICD10_PCS_CMS, px["code"]), coding(ICD10_SID, px["code"])]
        out.append(
            {
                "sequence": i + 1,
                "date": px["date"] + "T00:00:00+00:00",
                "procedureCodeableConcept": {"coding": codings},
            }
        )
    return out


def benefit_balance(columns: list[str], claim: Record) -> list[Json]:
    financial = []
    for column in columns:
        value = claim.get(column)
        if value is None:
            continue
        used = (
            {"usedMoney": money(value)} if isinstance(value, float) else {"usedUnsignedInt": value}
        )
        financial.append({"type": {"coding": [bb_category("benefit-balance", column)]}, **used})
    if not financial:
        return []
    return [
        {"category": {"coding": [coding(THO + "ex-benefitcategory", "1")]}, "financial": financial}
    ]


def partb(claim: Record, bene: Record) -> Json:
    ctype = claim["claim_type"]
    env = envelope(claim, bene)
    info = SupportingInfo()
    info.column("nch_wkly_proc_dt", claim)
    referrer = npi_identifier(claim["rfr_physn_npi"])
    care_team: list[Json] = [
        {
            "sequence": 1,
            "provider": {"identifier": referrer, "display": claim.get("rfr_physn_name")},
            "role": concept(C4BB_CS + "C4BBClaimCareTeamRole", "referring"),
            "qualification": concept(NUCC, claim["rfr_taxonomy"])
            if claim.get("rfr_taxonomy")
            else None,
        }
    ]
    if claim.get("carr_clm_rfrng_pin_num"):
        care_team.append(
            {
                "sequence": 2,
                "provider": {"identifier": npi_identifier(claim["carr_clm_rfrng_pin_num"])},
                "role": concept(C4BB_CS + "C4BBClaimCareTeamRole", "referring"),
            }
        )
    contained: list[Json] = []
    members: dict[tuple[str, str], int] = {}

    def member(key: tuple[str, str], build: Any) -> int:
        if key not in members:
            members[key] = len(care_team) + 1
            care_team.append({"sequence": members[key], **build()})
        return members[key]

    items = []
    for line in claim["lines"]:
        performer = line.get("prf_physn_npi") or line["prvdr_npi"]
        team = [member(("performing", performer), lambda line=line: performing_member(line, ctype))]
        if ctype == "carrier":
            team.append(
                member(("primary", line["org_npi_num"]), lambda line=line: primary_org(line))
            )
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
            element = supporting_info(
                0, "line_hct_hgb_rslt_num", {"line_hct_hgb_rslt_num": "#" + obs_id}
            )
            element.pop("code")
            element["valueReference"] = {"reference": "#" + obs_id}
            info_seq = info.add(element)
        items.append(partb_item(line, ctype, team, info_seq))
    if ctype == "carrier":
        provider = {
            "identifier": {
                "system": var("carr_clm_blg_npi_num"),
                "value": claim["carr_clm_blg_npi_num"],
            }
        }
    else:
        first = claim["lines"][0]
        provider = {
            "type": "Practitioner",
            "identifier": {"system": NPI, "value": first["prvdr_npi"]},
            "display": first["prvdr_name"],
        }
    exts = [claim_extension(kind, col, claim) for kind, col in PARTB_EXTENSIONS]
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "contained": contained,
            "extension": exts,
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
            "careTeam": care_team,
            "supportingInfo": info.items,
            "diagnosis": diagnoses(claim),
            "insurance": env["insurance"],
            "item": items,
            "total": [
                {
                    "category": {
                        "coding": [
                            c4bb("C4BBAdjudication", "priorpayerpaid"),
                            bb_category("adjudication", "clm_tot_chrg_amt"),
                        ]
                    },
                    "amount": money(claim["prpayamt"]),
                }
            ],
            "payment": {"amount": money(claim["clm_pmt_amt"])},
            "benefitBalance": benefit_balance(PARTB_BENEFITS, claim),
        }
    )


def performing_member(line: Record, ctype: str) -> Json:
    exts = [ext_coding("prtcptng_ind_cd", line["prtcptng_ind_cd"])]
    if ctype == "carrier":
        exts.insert(0, ext_coding("carr_line_prvdr_type_cd", line["carr_line_prvdr_type_cd"]))
        provider = {"identifier": npi_identifier(line["prf_physn_npi"])}
    else:
        provider = {"identifier": npi_identifier(line["prvdr_npi"]), "display": line["prvdr_name"]}
    return {
        "extension": exts,
        "provider": provider,
        "responsible": True,
        "role": concept(C4BB_CS + "C4BBClaimCareTeamRole", "performing"),
        "qualification": {
            "coding": [coding(NUCC, line["taxonomy"]), coding("prvdr_spclty", line["prvdr_spclty"])]
        },
    }


def primary_org(line: Record) -> Json:
    return {
        "provider": {
            "identifier": npi_identifier(line["org_npi_num"]),
            "display": line["org_name"],
        },
        "role": concept(THO + "claimcareteamrole", "primary"),
    }


def partb_item(line: Record, ctype: str, team: list[int], info_seq: int | None) -> Json:
    if ctype == "carrier":
        exts = [
            ext_quantity("carr_line_mtus_cnt", line["carr_line_mtus_cnt"]),
            # BFD v2 repeats the MTUS count extension with the MTUS code as a Coding.
            {
                "url": var("carr_line_mtus_cnt"),
                "valueCoding": {
                    "system": var("carr_line_mtus_cnt"),
                    "code": line["carr_line_mtus_cd"],
                },
            },
            ext_coding("carr_line_mtus_cd", line["carr_line_mtus_cd"]),
        ]
        location_exts = [
            ext_coding("prvdr_state_cd", line["prvdr_state_cd"]),
            ext_coding("prvdr_zip", line["prvdr_zip"]),
            ext_coding("carr_line_prcng_lclty_cd", line["carr_line_prcng_lclty_cd"]),
            ext_identifier("carr_line_clia_lab_num", line["carr_line_clia_lab_num"])
            if line.get("carr_line_clia_lab_num")
            else None,
        ]
    else:
        mtus = {
            "unit": "Number of services",
            "system": var("dmerc_line_mtus_cd"),
            "code": line["dmerc_line_mtus_cd"],
        }
        exts = [
            ext_identifier("suplrnum", line["suplrnum"]),
            ext_quantity("dmerc_line_scrn_svgs_amt", line["dmerc_line_scrn_svgs_amt"]),
            ext_quantity("dmerc_line_mtus_cnt", line["dmerc_line_mtus_cnt"], **mtus),
            ext_coding("dmerc_line_prcng_state_cd", line["dmerc_line_prcng_state_cd"]),
            ext_coding("dmerc_line_supplr_type_cd", line["dmerc_line_supplr_type_cd"]),
        ]
        location_exts = [ext_coding("prvdr_state_cd", line["prvdr_state_cd"])]
    exts += [
        ext_coding("betos_cd", line["betos_cd"]),
        ext_coding("line_bene_prmry_pyr_cd", line["line_bene_prmry_pyr_cd"])
        if line["line_bene_prmry_pyr_cd"]
        else None,
        ext_coding("line_prcsg_ind_cd", line["line_prcsg_ind_cd"]),
        ext_coding("line_service_deductible", line["line_service_deductible"]),
    ]
    adjudications = []
    for entry in PARTB_ADJUDICATIONS[ctype]:
        column, source = entry if isinstance(entry, tuple) else (entry, None)
        adj = adjudication(column, line, source)
        if adj and column == "line_nch_pmt_amt":
            adj = {
                "extension": [ext_coding("line_pmt_80_100_cd", line["line_pmt_80_100_cd"])],
                **adj,
            }
        adjudications.append(adj)
    return {
        "extension": exts,
        "sequence": line["line_num"],
        "careTeamSequence": team,
        "diagnosisSequence": [line["dx"]],
        "informationSequence": [info_seq] if info_seq else None,
        "category": concept("line_cms_type_srvc_cd", line["line_cms_type_srvc_cd"]),
        "productOrService": {
            "extension": [{"url": NDC, "valueCoding": coding(NDC, line["line_ndc_cd"])}]
            if line.get("line_ndc_cd")
            else None,
            "coding": [{"system": HCPCS, "code": line["hcpcs_cd"]}],
        },
        "modifier": [
            {"coding": [{"system": HCPCS, "version": line["hcpcs_yr"], "code": m}]}
            for m in line["mdfr"]
        ],
        "servicedPeriod": period(line["line_1st_expns_dt"], line["line_last_expns_dt"]),
        "locationCodeableConcept": {
            "extension": location_exts,
            "coding": [coding("line_place_of_srvc_cd", line["line_place_of_srvc_cd"])],
        },
        "quantity": {"value": line["line_srvc_cnt"]},
        "adjudication": adjudications,
    }


def pde(claim: Record, bene: Record) -> Json:
    env = envelope(claim, bene)
    info = SupportingInfo()
    info.category("compoundcode", code=concept(THO + "v3-ActCode", "RXDINV"))
    info.category("refillnum", valueQuantity={"value": claim["fill_num"]})
    info.category("dayssupply", valueQuantity={"value": claim["days_suply_num"]})
    for column in PDE_SUPPORTING_INFO:
        info.column(column, claim)
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "identifier": env["identifier"],
            "status": env["status"],
            "type": env["type"],
            "use": env["use"],
            "patient": env["patient"],
            "billablePeriod": period(claim["srvc_dt"], claim["srvc_dt"]),
            "created": env["created"],
            "insurer": env["insurer"],
            "provider": {"identifier": {"system": NPI, "value": claim["srvc_prvdr_id"]}},
            "facility": {
                "extension": [ext_coding("phrmcy_srvc_type_cd", claim["phrmcy_srvc_type_cd"])],
                "identifier": npi_identifier(claim["srvc_prvdr_id"], with_display=False),
                "display": claim["pharmacy_name"],
            },
            "outcome": env["outcome"],
            "careTeam": [
                {
                    "sequence": 1,
                    "provider": {
                        "identifier": npi_identifier(claim["prscrbr_id"]),
                        "display": claim["prscrbr_name"],
                    },
                    "role": concept(C4BB_CS + "C4BBClaimCareTeamRole", "prescribing"),
                    "qualification": concept(NUCC, claim["prscrbr_taxonomy"]),
                }
            ],
            "supportingInfo": info.items,
            "insurance": [
                {
                    "focal": True,
                    "coverage": {
                        "extension": [
                            ext_identifier("plan_cntrct_rec_id", claim["plan_cntrct_rec_id"]),
                            ext_identifier("plan_pbp_rec_num", claim["plan_pbp_rec_num"]),
                        ],
                        "reference": env["insurance"][0]["coverage"]["reference"],
                    },
                }
            ],
            "item": [
                {
                    "sequence": 1,
                    "careTeamSequence": [1],
                    "productOrService": {"coding": [coding(NDC, claim["prod_srvc_id"])]},
                    "servicedDate": claim["srvc_dt"],
                    "quantity": {"value": claim["qty_dspnsd_num"]},
                    "adjudication": [adjudication(column, claim) for column in PDE_ADJUDICATIONS],
                }
            ],
            "total": [
                {
                    "category": {"coding": [c4bb("C4BBAdjudication", "drugcost")]},
                    "amount": money(claim["tot_rx_cst_amt"]),
                },
                {
                    "category": {"coding": [c4bb("C4BBPayerAdjudicationStatus", "other")]},
                    "amount": money(0),
                },
            ],
            "payment": {"date": claim["pd_dt"]},
        }
    )
