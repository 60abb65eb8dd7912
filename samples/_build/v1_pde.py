"""v1 (STU3) Part D prescription drug events.

The pharmacy is both ``organization`` and ``facility``, the prescriber is the ``primary``
careTeam member, event codes are ``information`` and payer shares are item adjudications.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    NDC,
    NPI,
    Json,
    coding,
    compact,
    concept,
    ext_coding,
    ext_identifier,
    ext_quantity,
    period,
)
from v1_claims import CARE_TEAM_ROLE, adjudication, envelope, npi_identifier, numbered_information

Record = dict[str, Any]

INFORMATION = [
    "daw_prod_slctn_cd",
    "dspnsng_stus_cd",
    "drug_cvrg_stus_cd",
    "adjstmt_dltn_cd",
    "nstd_frmt_cd",
    "prcng_excptn_cd",
    "ctstrphc_cvrg_cd",
    "rx_orgn_cd",
    "brnd_gnrc_cd",
    "phrmcy_srvc_type_cd",
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
    pharmacy = {
        "type": {
            "coding": [{"system": NPI, "code": "NPI", "display": "National Provider Identifier"}]
        },
        "system": NPI,
        "value": claim["srvc_prvdr_id"],
    }
    line = claim
    adjudications = []
    for column in ADJUDICATIONS:
        adj = adjudication(column, line)
        if adj and column == "cvrd_d_plan_pd_amt":
            adj = {
                "category": adj["category"],
                "reason": concept("drug_cvrg_stus_cd", claim["drug_cvrg_stus_cd"]),
                "amount": adj["amount"],
            }
        adjudications.append(adj)
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "identifier": env["identifier"],
            "status": "active",
            "type": env["type"],
            "patient": env["patient"],
            "billablePeriod": period(claim["srvc_dt"], claim["srvc_dt"]),
            "organization": {"identifier": pharmacy, "display": claim["pharmacy_name"]},
            "facility": {
                "extension": [ext_coding("phrmcy_srvc_type_cd", claim["phrmcy_srvc_type_cd"])],
                "identifier": pharmacy,
                "display": claim["pharmacy_name"],
            },
            "information": numbered_information(INFORMATION, claim),
            "careTeam": [
                {
                    "sequence": 2,
                    "provider": {
                        "identifier": npi_identifier(claim["prscrbr_id"]),
                        "display": claim["prscrbr_name"],
                    },
                    "role": concept(CARE_TEAM_ROLE, "primary"),
                }
            ],
            "insurance": {
                "coverage": {
                    "extension": [
                        ext_identifier("plan_cntrct_rec_id", claim["plan_cntrct_rec_id"]),
                        ext_identifier("plan_pbp_rec_num", claim["plan_pbp_rec_num"]),
                    ],
                    "reference": env["coverage"],
                }
            },
            "item": [
                {
                    "sequence": 1,
                    "careTeamLinkId": [2],
                    "service": {"coding": [coding(NDC, claim["prod_srvc_id"])]},
                    "servicedDate": claim["srvc_dt"],
                    "quantity": {
                        "extension": [
                            ext_quantity("fill_num", claim["fill_num"]),
                            ext_quantity("days_suply_num", claim["days_suply_num"]),
                        ],
                        "value": claim["qty_dspnsd_num"],
                    },
                    "adjudication": adjudications,
                    "detail": [{"type": concept("http://hl7.org/fhir/v3/ActCode", "RXDINV")}],
                }
            ],
            "payment": {"date": claim["pd_dt"]},
        }
    )
