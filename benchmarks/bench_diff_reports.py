"""Size, memory and parallelism of ``bbmigrate diff`` reports on a fetched beneficiary.

Fetches BBUser00042 from the emulator (or takes ``--folder``), then prints:

* report sizes per format, default and ``--mapped``;
* lines of CI output: ``--baseline`` (saved from the same data) with ``--fail-on``;
* headless Chromium render time (screenshot) of the ``--mapped`` HTML report;
* peak RSS of the diff command for the folder and for the folder copied ``--copies`` times
  (ids suffixed, NDJSON sides), per format, default and ``--mapped``, and ``--detail`` for the
  formats in ``--detail-formats`` (peak RSS of the child by /usr/bin/time);
* wall and CPU seconds (user+system of the whole process tree: the command and its workers)
  of ``diff --jobs 1`` and ``--jobs 2`` on ``--jobs-eobs`` EOBs (copies of the folder's EOBs),
  and whether their outputs are byte-identical; the load average when that part starts (a
  wall-clock speed-up is only meaningful on an idle machine).

Each figure is measured in a fresh child process (``python -m bbmigrate.cli``... from
``--cli-root``). Never asserts anything; prints figures.

    python benchmarks/bench_diff_reports.py [--folder DIR] [--skip memory,jobs,browser]
    # the --jobs figures alone (about 2-3 minutes on an idle 2-core machine):
    python benchmarks/bench_diff_reports.py --skip sizes,ci,browser,memory
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SHOT = Path(tempfile.gettempdir()) / "diff-mapped-screenshot.png"
FORMATS = ("text", "json", "markdown", "html", "xlsx", "jsonl")


def _tree_cpu() -> float:
    """User+system seconds of every finished descendant (the children's workers included:
    each process's waited-for children are added to its own count)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(root: Path, args: list[str]) -> tuple[float, float, int, bytes, float]:
    """Wall seconds, peak RSS MiB, exit code, stdout and CPU seconds (the whole process tree)
    of one child ``bbmigrate`` command.

    The peak is measured by /usr/bin/time around the child: a forked child's own ru_maxrss
    starts at this (large) process's size before it execs."""
    command = [sys.executable, "-c", "from bbmigrate.cli import run; run()", *args]
    with tempfile.TemporaryDirectory() as name:
        report = Path(name) / "rss"
        if Path("/usr/bin/time").exists():
            command = ["/usr/bin/time", "-f", "%M", "-o", str(report), *command]
        cpu = _tree_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True)
        wall = time.perf_counter() - start
        cpu = _tree_cpu() - cpu
        rss = int(report.read_text().split()[-1]) / 1024 if report.exists() else float("nan")
        return wall, rss, done.returncode, done.stdout, cpu


def run(root: Path, args: list[str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, peak RSS MiB, exit code and stdout of one child ``bbmigrate`` command."""
    return run_measured(root, args)[:4]


def copies(folder: Path, target: Path, n: int, eobs_only: bool = False) -> Path:
    """``folder``'s v1/v2 resources repeated ``n`` times with ids suffixed ``-c<k>``."""
    for side in ("v1", "v2"):
        out = target / side
        out.mkdir(parents=True, exist_ok=True)
        for file in sorted((folder / side).glob("*.json")):
            doc = orjson.loads(file.read_bytes())
            if doc.get("resourceType") != "Bundle":
                if not eobs_only and n == 1:
                    shutil.copy(file, out / file.name)
                continue
            if eobs_only and file.stem != "ExplanationOfBenefit":
                continue
            with (out / f"{file.stem}.ndjson").open("wb") as stream:
                for k in range(n):
                    for entry in doc.get("entry", []):
                        res = dict(entry["resource"])
                        res["id"] = f"{res['id']}-c{k}"
                        stream.write(orjson.dumps(res) + b"\n")
        if not eobs_only:
            for file in sorted((folder / side).glob("Patient.json")):
                shutil.copy(file, out / file.name)
    return target


def first_eobs(folder: Path, target: Path, count: int) -> Path:
    """``count`` EOB pairs: the folder's EOBs repeated with ids suffixed."""
    for side in ("v1", "v2"):
        doc = orjson.loads((folder / side / "ExplanationOfBenefit.json").read_bytes())
        entries = [e["resource"] for e in doc["entry"]]
        (target / side).mkdir(parents=True, exist_ok=True)
        with (target / side / "ExplanationOfBenefit.ndjson").open("wb") as stream:
            for i in range(count):
                res = dict(entries[i % len(entries)])
                res["id"] = f"{res['id']}-c{i // len(entries)}"
                stream.write(orjson.dumps(res) + b"\n")
    return target


def fetch(out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_diff import fetch_user

    fetch_user(out)


def sizes(root: Path, folder: Path, tmp: Path, formats: list[str]) -> None:
    print("report sizes (bytes), BBUser00042:")
    for mapped in (False, True):
        for fmt in formats:
            out = tmp / f"r.{fmt}"
            args = ["diff", str(folder), "--format", fmt, "-o", str(out), "--quiet"]
            args += ["--mapped"] if mapped else []
            wall, _, code, _ = run(root, args)
            size = out.stat().st_size if out.exists() else -1
            label = "--mapped" if mapped else "default "
            print(f"  {label} {fmt:9s} {size:>12,d}  ({wall:.1f} s, exit {code})")
            if fmt == "html" and mapped:
                shutil.copy(out, tmp / "mapped.html")
            out.unlink(missing_ok=True)


def ci_lines(root: Path, folder: Path, tmp: Path) -> None:
    base = tmp / "baseline.json"
    run(root, ["diff", str(folder), "--format", "json", "-o", str(base), "--quiet"])
    args = ["diff", str(folder), "--baseline", str(base), "--fail-on", "changed,removed,added"]
    command = [sys.executable, "-c", "from bbmigrate.cli import run; run()", *args]
    done = subprocess.run(command, cwd=root, capture_output=True)
    lines = done.stdout.decode().count("\n") + done.stderr.decode().count("\n")
    print(f"CI --baseline (nothing new): {lines} lines (stdout+stderr), exit {done.returncode}")
    # something new: drop one EOB from the baseline
    data = orjson.loads(base.read_bytes())
    eobs = [r for r in data["resources"] if r["resourceType"] == "ExplanationOfBenefit"]
    data["resources"].remove(eobs[0])
    base.write_bytes(orjson.dumps(data))
    done = subprocess.run(command, cwd=root, capture_output=True)
    lines = done.stdout.decode().count("\n") + done.stderr.decode().count("\n")
    print(f"CI --baseline (one EOB new):  {lines} lines, exit {done.returncode}")
    print("  last stderr line:", done.stderr.decode().strip().splitlines()[-1:])


def _chromium(chromium: str, profile: Path, shot: Path, page: Path) -> float:
    """Wall seconds of a headless screenshot of ``page``."""
    start = time.perf_counter()
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return time.perf_counter() - start


def browser(page: Path, tmp: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or not page.exists():
        print("render: skipped (no chromium or no page)")
        return
    profile = tmp / "profile"
    times = [_chromium(chromium, profile, tmp / f"shot{n}.png", page) for n in range(3)]
    # the floor: the same browser on an empty page
    empty = tmp / "empty.html"
    empty.write_text("<!DOCTYPE html><title>x</title>")
    floor = _chromium(chromium, profile, tmp / "empty.png", empty)
    shutil.copy(tmp / "shot0.png", SHOT)
    print(
        f"render --mapped HTML ({page.stat().st_size:,d} B): screenshot "
        f"{min(times):.2f} s best of 3 (empty page {floor:.2f} s); screenshot at {SHOT}"
    )


def memory(
    root: Path, folder: Path, tmp: Path, n: int, formats: list[str], detail_formats: list[str]
) -> None:
    one = copies(folder, tmp / "x1", 1)
    many = copies(folder, tmp / f"x{n}", n)
    print(f"peak RSS of the diff command (MiB), 1x vs {n}x; load average {_load()}:")
    runs = [(mapped, fmt, False) for mapped in (False, True) for fmt in formats]
    runs += [(False, fmt, True) for fmt in detail_formats]
    for mapped, fmt, detail in runs:
        row = []
        for target in (one, many):
            out = tmp / f"m.{fmt}"
            args = ["diff", str(target), "--format", fmt, "-o", str(out), "--quiet"]
            args += ["--mapped"] if mapped else []
            args += ["--detail"] if detail else []
            wall, rss, code, _ = run(root, args)
            row.append((rss, wall, code, out.stat().st_size if out.exists() else -1))
            out.unlink(missing_ok=True)
        (r1, w1, c1, s1), (rn, wn, cn, sn) = row
        label = ("--mapped" if mapped else "default ") + (" --detail" if detail else "")
        print(
            f"  {label:17s} {fmt:9s} {r1:7.0f} -> {rn:7.0f}  ratio {rn / r1:.2f}  "
            f"({w1:.1f} s / {wn:.1f} s, {s1:,d} B / {sn:,d} B, exit {c1}/{cn})"
        )


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def jobs(root: Path, folder: Path, tmp: Path, count: int, repeat: int) -> None:
    target = first_eobs(folder, tmp / "jobs", count)
    print(f"diff --jobs of {count} EOBs; load average at start {_load()}:")
    for fmt in ("text", "json"):
        walls: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        outputs = {}
        for _ in range(repeat):
            for j in (1, 2):
                out = tmp / f"j{j}.{fmt}"
                args = ["diff", str(target), "--format", fmt, "-o", str(out), "--quiet"]
                args += ["--jobs", str(j)]
                wall, _, code, _, cpu = run_measured(root, args)
                if code != 0:
                    print(f"  --jobs {j}: exit {code}")
                    return
                walls[j].append(wall)
                cpus[j].append(cpu)
                outputs[j] = out.read_bytes()
        a, b = min(walls[1]), min(walls[2])
        ca, cb = min(cpus[1]), min(cpus[2])
        same = outputs[1] == outputs[2]
        print(
            f"  --format {fmt:5s} --jobs 1: wall {a:6.2f} s, CPU {ca:6.2f} s | --jobs 2: wall "
            f"{b:6.2f} s, CPU {cb:6.2f} s | speed-up {a / b:.2f}x wall, CPU ratio {cb / ca:.2f} "
            f"(best of {repeat}); outputs identical: {same}"
        )
    print(f"  load average at end {_load()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a fetched folder (else fetch BBUser00042)")
    parser.add_argument("--cli-root", type=Path, default=ROOT)
    parser.add_argument("--copies", type=int, default=16)
    parser.add_argument("--jobs-eobs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip", default="", help="comma-separated: sizes,ci,browser,memory,jobs")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--detail-formats", default="text,markdown,html")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder = args.folder
        if folder is None:
            folder = tmp / "user"
            fetch(folder)
        if "sizes" not in skip:
            sizes(args.cli_root, folder, tmp, formats)
        if "ci" not in skip:
            ci_lines(args.cli_root, folder, tmp)
        if "browser" not in skip:
            browser(tmp / "mapped.html", tmp)
        if "memory" not in skip:
            detail = [f for f in args.detail_formats.split(",") if f]
            memory(args.cli_root, folder, tmp, args.copies, formats, detail)
        if "jobs" not in skip:
            jobs(args.cli_root, folder, tmp, args.jobs_eobs, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
