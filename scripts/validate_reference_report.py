"""Print the markdown tables of docs/validate.md: what the BFD v2 reference data gets.

Usage: python scripts/validate_reference_report.py [V2_FOLDER]
(default ../shared/reference/bfd/endpoint-responses/v2; IGNORED_FIELD placeholders, which BFD's
fixtures put where values change per call, are given well-formed stand-ins first).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from bbmigrate.validate import IG_VERSIONS, Validator
from bbmigrate.validate.inputs import iter_resources

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_validate import _fill

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/reference/bfd/endpoint-responses/v2"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    resources = [(_fill(r), s) for r, s in iter_resources(folder)]
    for ig in IG_VERSIONS:
        validator = Validator(ig)
        per_profile: dict[str, Counter] = defaultdict(Counter)
        count: Counter = Counter()
        issues: dict[str, Counter] = defaultdict(Counter)
        for resource, source in resources:
            result = validator.validate(resource, source=source)
            name = (result.profile or f"(none) {resource['resourceType']}").rsplit("/", 1)[-1]
            if result.profile is None:
                count[name] += 1
            for url in result.present:  # the resource and its contained resources
                count[url.rsplit("/", 1)[-1]] += 1
            for f in result.findings:
                owner = (f.profile or result.profile or "").rsplit("/", 1)[-1] or name
                per_profile[owner][f.severity] += 1
                if f.severity == "error":
                    what = f.element or f.path
                    issues[owner][f"{f.rule} `{what}`"] += 1
        print(f"\n### CARIN {ig}\n")
        print("| profile | resources | errors | not checked (info) | distinct error kinds |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name in sorted(set(count) | set(per_profile)):
            c = per_profile[name]
            print(
                f"| {name} | {count[name]} | {c['error']} | {c['information']} "
                f"| {len(issues.get(name, ()))} |"
            )
        for name in sorted(issues):
            print(f"\n**{name}** (errors, count over all resources):\n")
            for what, n in issues[name].most_common():
                print(f"- {what} ×{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
