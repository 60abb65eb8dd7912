"""The end-to-end demo: sandbox → login → fetch v1 and v2 → map v1 → diff → tables → validate.

Everything runs locally: the BB2 sandbox emulator is served on a free loopback port in this
process, and the client talks to it over real HTTP exactly as it would to the BB2 sandbox.
Each stage writes under ``out`` and adds a short entry to the summary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .jsonio import read_json, write_json_atomic
from .output_guard import guard_output

# Each stage imports its own stack when it runs (the client, emulator, mapper, diff, tables and
# validator together cost ~0.45 s): `bbmigrate demo --help` and a bad --out pay none of it.

RESOURCES = ("Patient", "Coverage", "ExplanationOfBenefit")
Say = Callable[[str], None]


@dataclass
class DemoSummary:
    """What the demo did, stage by stage (written to ``summary.json``)."""

    out: str
    user: str
    stages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, stage: str, **facts: Any) -> None:
        self.stages.append({"stage": stage, **facts})

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "user": self.user, "stages": self.stages}


def _map_folder(source: Path, target: Path) -> dict[str, Any]:
    """Map every v1 resource file of a fetch folder into ``target``.

    How close the result is to the real v2 is the diff-mapped stage's ``fidelity``: scored
    resource by resource, as the mapped report shows it. (Scoring the files here as well gave
    a second, slightly different figure: whole Bundles, their envelope included.)"""
    from .mapping import map_resource

    files = resources = 0
    for name in RESOURCES:
        v1_file = source / "v1" / f"{name}.json"
        if not v1_file.is_file():
            continue
        mapped = map_resource(read_json(v1_file))
        write_json_atomic(target / f"{name}.json", mapped, pretty=False)  # compact like fetch
        files += 1
        bundle = mapped.get("resourceType") == "Bundle"
        resources += len(mapped.get("entry") or ()) if bundle else 1
    return {"files": files, "resources": resources}


def _diff(fetched: Path, reports: Path, *, mapped: bool, redact: bool) -> dict[str, Any]:
    """Diff v1 with v2 (or bbmigrate's mapping of v1 with v2) and write the grouped HTML report
    (the per-leaf JSON of a beneficiary is tens of megabytes: ``bbmigrate diff --json`` writes
    it on request)."""
    from .diff import DiffOptions
    from .diff.render import make_writer
    from .diff.stream import Target, run_diff

    name = "mapped-vs-v2" if mapped else "v1-vs-v2"
    writer = make_writer("html", mode="mapped" if mapped else "diff")
    # The report is written in the staging folder that becomes --out: name its inputs as they
    # are found there (fetch/v1), not under the staging folder's temporary name.
    outcome = run_diff(
        fetched,
        None,
        DiffOptions(mapped=mapped),
        [Target(writer, reports / f"{name}.html")],
        redact=redact,
        name_side=lambda side: os.path.relpath(side, fetched.parent),
    )
    data = outcome.head
    return {"report": f"reports/{name}.html", "groups": len(data["groups"]), **data["summary"]}


def _validate(folder: Path) -> dict[str, Any]:
    from .validate import Validator, validate_path

    report = validate_path(folder, Validator())
    return dict(report.summary)


def _check_replaceable(out: Path) -> None:
    """Refuse an ``out`` the demo would wrongly delete: it replaces only its own earlier output.

    Without this, ``--out .`` or ``--out ~`` would remove the whole folder once the run succeeds.
    """
    if out.is_symlink():
        # the run ends by replacing ``out``: a link would be replaced by a folder, or (to
        # delete it) followed; neither is what its owner meant, so ask for the folder itself
        raise InputError(
            f"is a symbolic link (to {os.readlink(out)}); give the folder itself",
            where=str(out),
        )
    guard_output(out, [], folder=True)  # never in or around bbmigrate's own data folders
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("exists and is not a folder", where=str(out))
    if any(out.iterdir()) and not (out / "summary.json").is_file():
        raise InputError(
            "is not empty and holds no earlier demo output (summary.json); the demo replaces "
            "its --out folder, so choose a new or empty one",
            where=str(out),
        )


def run_demo(
    out: str | Path,
    *,
    user_index: int = 0,
    share_demographics: bool = True,
    redact: bool = False,
    say: Say = lambda _line: None,
) -> DemoSummary:
    """Run every stage of the demo into ``out`` (replaced atomically when all stages succeed)."""
    from .client.fetch import ClientCredentials, PasswordLogin, fetch_beneficiary
    from .emulator import DEFAULT_CLIENT, SandboxConfig, password, serve_in_thread, username
    from .tables import build_tables, write_all

    out = Path(out)
    user = username(user_index)
    summary = DemoSummary(out=str(out), user=user)
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with serve_in_thread(SandboxConfig()) as base_url:
            say(f"sandbox emulator listening on {base_url}")
            manifest = fetch_beneficiary(
                base_url,
                staging / "fetch",
                credentials=ClientCredentials(
                    DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret
                ),
                login=PasswordLogin(user, password(user_index), share_demographics),
            )
        fetched = manifest.to_dict()
        summary.add(
            "fetch",
            base_url=base_url,
            requests=fetched["totals"]["requests"],
            demographics_withheld=manifest.demographics_withheld,
            versions={
                v: {"counts": r["counts"], "eob_types": r["eob_types"], "pages": r["pages"]}
                for v, r in fetched["versions"].items()
            },
        )
        say(f"fetched {user} from v1 and v2 ({fetched['totals']['requests']} requests)")
        mapped = _map_folder(staging / "fetch", staging / "mapped")
        summary.add("map", **mapped)
        say(f"mapped v1 → v2: {mapped['resources']} resources")
        fetched_dir, reports = staging / "fetch", staging / "reports"
        changes = _diff(fetched_dir, reports, mapped=False, redact=redact)
        summary.add("diff", **changes)
        say("v1 vs v2: " + ", ".join(f"{n} {k}" for k, n in changes["counts"].items()))
        fidelity = _diff(fetched_dir, reports, mapped=True, redact=redact)
        summary.add("diff-mapped", **fidelity)
        score = fidelity["fidelity"]
        say(
            f"mapped v1 vs real v2: recall {score['recall']:.1%}, precision "
            f"{score['precision']:.1%} ({score['shared_leaves']} of {score['expected_leaves']} "
            "leaves reproduced)"
        )
        # the two formats documentation authors read (CSV and Markdown are in the repository)
        tables = write_all(build_tables(), staging / "comparison_tables", ("xlsx", "html"))
        summary.add("tables", files=[f"comparison_tables/{p.name}" for p in tables])
        say(f"comparison tables: {', '.join(p.name for p in tables)}")
        checks = {"v2": _validate(fetched_dir / "v2"), "mapped": _validate(staging / "mapped")}
        summary.add("validate", **checks)
        say(
            "CARIN 2.0.0 validation errors: "
            + ", ".join(f"{side} {found['errors']}" for side, found in checks.items())
        )
        write_json_atomic(staging / "summary.json", summary.to_dict())
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary
