"""v2 (R4 / CARIN) Part D prescription drug events (C4BB Pharmacy profile).

The pharmacy becomes the ``provider`` (and keeps the service type on ``facility``), refill and
days supply move to supportingInfo, and the total drug cost is a ``drugcost`` total.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    NDC,
    NPI,
    NUCC,
    Json,
    coding,
    compact,
    concept,
    ext_coding,
    ext_identifier,
    period,
)
from v2_claims import (
    C4BB_CS,
    THO,
    SupportingInfo,
    adjudication,
    c4bb,
    envelope,
    money,
    npi_identifier,
)

Record = dict[str, Any]

SUPPORTING_INFO = [
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


ADJUDICATIONS = [
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


def pde(claim: Record, bene: Record) -> Json:
    env = envelope(claim, bene)
    info = SupportingInfo()
    info.category("compoundcode", code=concept(THO + "v3-ActCode", "RXDINV"))
    info.category("refillnum", valueQuantity={"value": claim["fill_num"]})
    info.category("dayssupply", valueQuantity={"value": claim["days_suply_num"]})
    for column in SUPPORTING_INFO:
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
                    "adjudication": [adjudication(column, claim) for column in ADJUDICATIONS],
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
