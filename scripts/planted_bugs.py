"""Plant realistic one-line bugs, one at a time, and check that the test suite catches each.

Issue #15's closing evidence: for every mutation below, a copy of the working tree (tracked and
untracked, non-ignored files; the checkout itself is never changed) gets the bug planted, then
the tests of the bug's area run twice:

* **with the reference**: the copy sits beside a ``shared`` link to this checkout's
  ``../shared``, so ``../shared/reference`` is found as in CI;
* **bare**: the link is removed and ``BBMIGRATE_REFERENCE=/nonexistent`` (``CI`` unset), as in a
  user's clone without the reference data.

A run *catches* the bug when some test fails (pytest ``-x`` stops at the first failure, so
caught runs are short). The script prints a Markdown table: bug, file, caught with reference,
caught bare, first failing test. A mutation whose old text is not found exactly once stops the
script (exit 2): the table must never silently test an unplanted bug. Before the mutations, a
control run checks that each test subset passes on the unplanted copy, both ways (a subset that
failed anyway would mark every bug of its area "caught"); ``--no-control`` skips it.

Run (from the repository root, with the project's venv)::

    .venv/bin/python scripts/planted_bugs.py            # every mutation: ~3 min on 2 cores
    .venv/bin/python scripts/planted_bugs.py -k pkce    # the mutations whose name contains "pkce"
    .venv/bin/python scripts/planted_bugs.py --list     # the mutations and their test subsets

Runs are sequential (one pytest at a time) on purpose: the suite shares a small machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Test subsets by area: each run stays well under a minute.
MAPPING = (
    "tests/mapping",
    "tests/samples",
    "--ignore=tests/mapping/test_map_dask.py",
    "--ignore=tests/mapping/test_map_bulk.py",
)
VALIDATOR = (
    "tests/validate_bare",
    "tests/test_validate_reference.py",
    "tests/test_validate_examples.py",
    "tests/test_validate_mutations.py",
    "tests/test_validate_mapped.py",
)
DIFF = (
    "tests/test_diff_align.py",
    "tests/test_diff_oracle.py",
    "tests/test_diff_reference.py",
    "tests/test_diff_groups.py",
    "tests/test_diff_snapshot.py",
    "tests/test_diff_fast_paths.py",
    "tests/test_diff_cli.py",
)
CLIENT = ("tests/client",)
EMULATOR = ("tests/emulator", "tests/client/test_client_auth_flow.py")
SNAPSHOT = (
    "tests/snapshot/test_snapshot_normalize.py",
    "tests/snapshot/test_snapshot_reference.py",
    "tests/snapshot/test_mapped_samples.py",
    "tests/snapshot/test_snapshot_changes.py",
)

PROFILE_RULES = "bbmigrate/validate/profile_rules.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    breaks: str
    tests: tuple[str, ...]


MUTATIONS: tuple[Mutation, ...] = (
    # -- the six (seven) of the issue ---------------------------------------------------------
    Mutation(
        "mapping-target",
        "mappings/eob/common.yaml",
        'v1: "role.coding[*].code", v2: "role.coding[+]"',
        'v1: "role.coding[*].code", v2: "qualification.coding[+]"',
        "careTeam role codings written to careTeam.qualification",
        MAPPING,
    ),
    Mutation(
        "concept-code",
        "mappings/concepts/adjudication.yaml",
        "line_alowd_chrg_amt: {route: prepend, coding: {system: "
        "http://terminology.hl7.org/CodeSystem/adjudication, code: eligible",
        "line_alowd_chrg_amt: {route: prepend, coding: {system: "
        "http://terminology.hl7.org/CodeSystem/adjudication, code: allowed",
        "allowed charge categorised 'allowed' (not an HL7 adjudication code) instead of 'eligible'",
        MAPPING,
    ),
    Mutation(
        "diff-kind",
        "bbmigrate/diff/align.py",
        'kind = "same" if leaf.key == other.key or leaf.path == other.path else "moved"',
        'kind = "moved" if leaf.key == other.key or leaf.path == other.path else "same"',
        "diff reports unchanged leaves as moved and moved ones as same",
        DIFF,
    ),
    Mutation(
        "paging",
        "bbmigrate/client/paging.py",
        'raw = link_url(bundle, "next")',
        'raw = link_url(bundle, "Next")',
        "next link looked up with the wrong case: paging stops after page 1",
        CLIENT,
    ),
    Mutation(
        "pkce",
        "bbmigrate/emulator/oauth.py",
        "s256(verifier), code.challenge",
        "code.challenge, code.challenge",
        "emulator's token endpoint accepts any code_verifier (PKCE check skipped)",
        EMULATOR,
    ),
    Mutation(
        "profile-cardinality",
        PROFILE_RULES,
        'count, low, high = len(values), node["min"], node["max"]',
        'count, low, high = len(values), node.get("base_min", node["min"]), '
        'node.get("base_max", node["max"])',
        "profile cardinality checked against the base resource's (profile limits ignored)",
        VALIDATOR,
    ),
    Mutation(
        "snapshot-normalisation",
        "bbmigrate/snapshot/normalize.py",
        'if isinstance(meta, dict) and "lastUpdated" in meta:',
        'if isinstance(meta, dict) and "last_updated" in meta:',
        "meta.lastUpdated no longer normalised in snapshots",
        SNAPSHOT,
    ),
    # -- more of the mapping: Patient, Coverage and the other concept tables ------------------
    Mutation(
        "coverage-target",
        "mappings/coverage.yaml",
        'v1: grouping.subPlan, v2: "class[~class_plan].value"',
        'v1: grouping.subPlan, v2: "class[~class_plan].name"',
        "Coverage plan written to class[plan].name instead of .value",
        MAPPING,
    ),
    Mutation(
        "coverage-type-code",
        "mappings/concepts/coverage.yaml",
        "Part D: {system: http://terminology.hl7.org/CodeSystem/v3-ActCode, code: SUBSIDIZ}",
        "Part D: {system: http://terminology.hl7.org/CodeSystem/v3-ActCode, code: SUBSIDIZF}",
        "Part D Coverage typed SUBSIDIZF (a real v3-ActCode, the wrong one)",
        MAPPING,
    ),
    Mutation(
        "patient-identifier-code",
        "mappings/concepts/patient.yaml",
        'code: MC, display: "Patient\'s Medicare number"',
        'code: MB, display: "Patient\'s Medicare number"',
        "MBI identifier typed MB (member number) instead of MC",
        MAPPING,
    ),
    Mutation(
        "careteam-role-code",
        "mappings/concepts/roles-diagnosis.yaml",
        "primary: {system: http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole, "
        "code: performing",
        "primary: {system: http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole, "
        "code: rendering",
        "professional primary careTeam role coded 'rendering' instead of 'performing'",
        MAPPING,
    ),
    Mutation(
        "supporting-info-code",
        "mappings/concepts/eob.yaml",
        "CodeSystem/C4BBSupportingInfoType, code: clmrecvddate",
        "CodeSystem/C4BBSupportingInfoType, code: receiveddate",
        "claim received date categorised 'receiveddate' instead of 'clmrecvddate'",
        MAPPING,
    ),
    Mutation(
        "diagnosis-type-code",
        "mappings/concepts/roles-diagnosis.yaml",
        "admitting: {system: http://terminology.hl7.org/CodeSystem/ex-diagnosistype, "
        "code: admitting",
        "admitting: {system: http://terminology.hl7.org/CodeSystem/ex-diagnosistype, "
        "code: principal",
        "inpatient admitting diagnosis typed principal",
        MAPPING,
    ),
    # -- one per validator rule kind ----------------------------------------------------------
    Mutation(
        "cardinality-min",
        PROFILE_RULES,
        "if count < low and (count > 0 or low > base_min):",
        "if count < low and (count > 0 and low > base_min):",
        "a required element that is absent is not reported",
        VALIDATOR,
    ),
    Mutation(
        "cardinality-max",
        PROFILE_RULES,
        "count > high and (base_max is None or high < base_max):",
        "count > high and (base_max is not None and high < base_max):",
        "too many repeats not reported where the base allows *",
        VALIDATOR,
    ),
    Mutation(
        "fixed-value",
        PROFILE_RULES,
        'if "fixed" in node and value != node["fixed"]:',
        'if "fixed[x]" in node and value != node["fixed"]:',
        "fixed[x] values never checked (compiled key misnamed)",
        VALIDATOR,
    ),
    Mutation(
        "pattern-value",
        PROFILE_RULES,
        'if "pattern" in node and not pattern_matches(node["pattern"], value):',
        'if "pattern[x]" in node and not pattern_matches(node["pattern"], value):',
        "pattern[x] values never checked (compiled key misnamed)",
        VALIDATOR,
    ),
    Mutation(
        "slice-min",
        PROFILE_RULES,
        'if len(got) < sl["min"]:',
        'if 0 < len(got) < sl["min"]:',
        "a required slice that is absent is not reported",
        VALIDATOR,
    ),
    Mutation(
        "slice-discriminator",
        PROFILE_RULES,
        'if dtype not in ("value", "pattern"):',
        'if dtype != "value":',
        "pattern discriminators treated as unsupported: no value matches such a slice",
        VALIDATOR,
    ),
    Mutation(
        "required-binding",
        PROFILE_RULES,
        'url = node.get("binding")',
        'url = node.get("binding") if node.get("strength") == "required" else None',
        "binding checks keyed on a strength the compiled rules do not keep: never checked",
        VALIDATOR,
    ),
    Mutation(
        "invariants",
        PROFILE_RULES,
        'if "constraints" in node:',
        'if "constraint" in node:',
        "no element is collected for invariant checks (key misnamed)",
        VALIDATOR,
    ),
    Mutation(
        "must-support",
        "bbmigrate/validate/mustsupport.py",
        "missing = [e for e in elements if not counts[e]]",
        "missing = [e for e in elements if not counts]",
        "must-support elements reported missing only when nothing at all was seen",
        VALIDATOR,
    ),
    Mutation(
        "reference-target",
        PROFILE_RULES,
        "if found is not None and found not in allowed:",
        "if found is not None and found in allowed:",
        "reference type check inverted (allowed targets flagged, others pass)",
        VALIDATOR,
    ),
)


class PlantError(Exception):
    """A mutation or a run that cannot give a trustworthy answer; the script exits 2."""


_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def working_tree_files(root: Path) -> list[str]:
    """Tracked and untracked (non-ignored) files: what this checkout would test."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (root / name).is_file()]


def copy_tree(root: Path, dest: Path) -> None:
    for name in working_tree_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)


def plant(repo: Path, mutation: Mutation) -> None:
    path = repo / mutation.file
    text = path.read_text(encoding="utf-8")
    found = text.count(mutation.old)
    if found != 1:
        raise PlantError(
            f"{mutation.name}: old text found {found} times in {mutation.file} "
            "(must be exactly once): update the mutation"
        )
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")


def run_tests(repo: Path, tests: tuple[str, ...], *, bare: bool) -> tuple[bool, str, float]:
    """(caught, first failing test, seconds) of one pytest run in the planted copy."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BBMIGRATE_FHIR_PACKAGES")}
    env.pop("BBMIGRATE_REFERENCE", None)
    if bare:
        env["BBMIGRATE_REFERENCE"] = "/nonexistent"
    # The copy's package, not the editable install's, for pytest and every subprocess it starts.
    env["PYTHONPATH"] = str(repo)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:randomly", *tests],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise PlantError(f"pytest exited {proc.returncode}:\n" + "\n".join(tail))
    first = _FAILED.search(proc.stdout)
    return proc.returncode == 1, first.group(1) if first else "", seconds


def check_copy_is_imported(repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    where = subprocess.run(
        [sys.executable, "-c", "import bbmigrate; print(bbmigrate.__file__)"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(repo.resolve()):
        raise PlantError(f"the copy is not what Python imports ({where})")


def evaluate(
    mutation: Mutation | None, tests: tuple[str, ...], workdir: Path, reference: Path
) -> dict:
    """Both runs of one mutation (``None``: the unplanted control run of ``tests``)."""
    base = workdir / (mutation.name if mutation else "control")
    repo = base / "repo"
    copy_tree(ROOT, repo)
    if mutation is not None:
        plant(repo, mutation)
    check_copy_is_imported(repo)
    link = base / "shared"
    link.symlink_to(reference, target_is_directory=True)
    with_ref = run_tests(repo, tests, bare=False)
    link.unlink()
    bare = run_tests(repo, tests, bare=True)
    shutil.rmtree(base)
    return {"mutation": mutation, "with": with_ref, "bare": bare}


def table(results: list[dict]) -> str:
    def mark(run: tuple[bool, str, float]) -> str:
        return f"caught ({run[2]:.0f} s)" if run[0] else f"**missed** ({run[2]:.0f} s)"

    lines = [
        "| bug | file | caught with reference | caught bare | first failing test |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        m = r["mutation"]
        firsts = dict.fromkeys(t for t in (r["with"][1], r["bare"][1]) if t)
        first = " / ".join(f"`{t}`" for t in firsts) or "—"
        lines.append(
            f"| `{m.name}`: {m.breaks} | `{m.file}` | {mark(r['with'])} | {mark(r['bare'])} "
            f"| {first} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-k",
        dest="only",
        action="append",
        default=[],
        help="only mutations whose name contains this (repeatable: any of them)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument(
        "--tests",
        nargs="+",
        help="run these tests for every chosen mutation instead of its area's subset "
        "(e.g. only the meaning tests)",
    )
    parser.add_argument(
        "--no-control",
        action="store_true",
        help="skip the control runs (each test subset on the unplanted copy, which must pass)",
    )
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or any(k in m.name for k in args.only)]
    if not chosen:
        print(f"planted_bugs: no mutation matches {' or '.join(args.only)}", file=sys.stderr)
        return 2
    if args.tests:
        chosen = [dataclasses.replace(m, tests=tuple(args.tests)) for m in chosen]
    if args.list:
        for m in chosen:
            print(f"{m.name}: {m.file}: {m.breaks}\n    tests: {' '.join(m.tests)}")
        return 0
    reference = (ROOT.parent / "shared").resolve()
    if not (reference / "reference").is_dir():
        print(f"planted_bugs: no reference data at {reference}/reference", file=sys.stderr)
        return 2
    try:
        results = run_all(chosen, reference, control=not args.no_control)
    except PlantError as exc:
        print(f"planted_bugs: {exc}", file=sys.stderr)
        return 2
    print(table(results))
    return 0


def run_all(chosen: list[Mutation], reference: Path, *, control: bool) -> list[dict]:
    """Control runs, then every mutation, one pytest at a time; progress on stderr."""
    results = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        # A subset that fails without any bug would mark every bug of its area "caught".
        subsets = list(dict.fromkeys(m.tests for m in chosen)) if control else []
        for tests in subsets:
            baseline = evaluate(None, tests, Path(tmp), reference)
            for label, run in (("with reference", baseline["with"]), ("bare", baseline["bare"])):
                if run[0]:
                    raise PlantError(
                        f"control run fails {label} without any bug planted ({run[1]}): "
                        "fix the suite first"
                    )
            print(
                f"control {' '.join(tests)}: passes ({baseline['with'][2]:.0f} s with reference, "
                f"{baseline['bare'][2]:.0f} s bare)",
                file=sys.stderr,
                flush=True,
            )
        for mutation in chosen:
            result = evaluate(mutation, mutation.tests, Path(tmp), reference)
            results.append(result)
            print(
                f"{mutation.name}: with reference "
                f"{'caught' if result['with'][0] else 'MISSED'}, bare "
                f"{'caught' if result['bare'][0] else 'MISSED'}",
                file=sys.stderr,
                flush=True,
            )
    print(f"{len(results)} mutations in {time.monotonic() - start:.0f} s", file=sys.stderr)
    return results


if __name__ == "__main__":
    sys.exit(main())
