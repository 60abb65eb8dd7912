"""Build bbmigrate's synthetic sample beneficiaries (v1 and v2) from claim records.

Usage: python samples/_build/build_samples.py [--out DIR]   (default: the samples/ folder)

Every claim is a small record of RIF-like columns (see data_*.py). Two independent writers turn
each record into the JSON the BB2 API serves: v1_writer (STU3) and v2_writer (R4 / CARIN). The
output is deterministic: rebuilding gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or imported from tests
    sys.path.insert(0, str(HERE))

import part_b_cost_sharing  # noqa: E402
import v1_writer  # noqa: E402
import v2_writer  # noqa: E402
from bb2_api import userinfo  # noqa: E402
from beneficiaries import BENEFICIARIES  # noqa: E402
from data_institutional import BENE1_INSTITUTIONAL, BENE2_INSTITUTIONAL  # noqa: E402
from data_partb import BENE1_PARTB, BENE2_PARTB  # noqa: E402
from data_pde import BENE1_PDE, BENE2_PDE  # noqa: E402

# BFD returns a patient's EOBs grouped by claim type in this order.
TYPE_ORDER = ["outpatient", "dme", "hha", "inpatient", "snf", "pde", "carrier", "hospice"]
CLAIMS: dict[str, list[dict[str, Any]]] = {
    BENEFICIARIES[0]["bene_id"]: BENE1_PARTB + BENE1_INSTITUTIONAL + BENE1_PDE,
    BENEFICIARIES[1]["bene_id"]: BENE2_PARTB + BENE2_INSTITUTIONAL + BENE2_PDE,
}
for _claims in CLAIMS.values():
    part_b_cost_sharing.apply(_claims)
WRITERS = {"v1": v1_writer, "v2": v2_writer}


def _start(claim: dict[str, Any]) -> str:
    return claim.get("clm_from_dt") or claim["srvc_dt"]


def ordered_claims(bene_id: str) -> list[dict[str, Any]]:
    claims = CLAIMS[bene_id]
    return sorted(claims, key=lambda c: (TYPE_ORDER.index(c["claim_type"]), _start(c)))


def documents() -> dict[str, Any]:
    """Every output file, keyed by its path relative to the samples folder."""
    files: dict[str, Any] = {}
    index = []
    for bene in BENEFICIARIES:
        bid = bene["bene_id"]
        claims = ordered_claims(bid)
        for version, writer in WRITERS.items():
            files[f"{bid}/{version}/Patient.json"] = writer.patient(bene)
            files[f"{bid}/{version}/Coverage.json"] = writer.coverage_bundle(bene)
            files[f"{bid}/{version}/ExplanationOfBenefit.json"] = writer.eob_bundle(bene, claims)
            files[f"{bid}/{version}/userinfo.json"] = userinfo(bene)
        counts = Counter(c["claim_type"] for c in claims)
        index.append(
            {
                "id": bid,
                "name": " ".join([*bene["given"], bene["family"]]),
                "eob_count": len(claims),
                "claim_types": {t: counts[t] for t in TYPE_ORDER if counts[t]},
            }
        )
    files["index.json"] = {"beneficiaries": index}
    return files


def render(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def build(out: Path) -> list[Path]:
    written = []
    for rel, doc in documents().items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(doc)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE.parent, help="output folder (default: samples/)"
    )
    args = parser.parse_args(argv)
    paths = build(args.out)
    print(f"wrote {len(paths)} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
