"""Regenerate the bundled CARIN rule sets in ``bbmigrate/validate/rulesets/``.

The rule sets are derived from the CC0 CARIN Blue Button packages and the R4 core package
(profile snapshots reduced to the rules the validator checks, plus the value sets they bind),
so ``bbmigrate validate`` works on a clone without the packages; with them, the parse trees of
their invariants (``fhirpath-trees.json``, see ``bbmigrate/validate/fhirpath_trees.py``). A
test fails when the bundled copies drift from what the packages compile to.

Usage: python scripts/build_validate_rulesets.py [--package-dir DIR]
"""

from __future__ import annotations

import argparse
import sys

from bbmigrate.validate import fhirpath_trees
from bbmigrate.validate.packages import find_package_dir
from bbmigrate.validate.profiles import IG_VERSIONS, bundled_path, compile_from_packages, dump


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir")
    args = parser.parse_args()
    expressions: set[str] = set()
    for version in IG_VERSIONS:
        folder = find_package_dir(args.package_dir, ig=version)
        if folder is None:
            print(f"no package for CARIN {version}; pass --package-dir", file=sys.stderr)
            return 2
        ruleset = compile_from_packages(folder, version)
        path = bundled_path(version)
        path.write_bytes(dump(ruleset))
        print(
            f"{path}: {len(ruleset['profiles'])} profiles, {len(ruleset['valuesets'])} value sets"
        )
        expressions.update(fhirpath_trees.expressions(ruleset))
    fhirpath_trees.TREES_PATH.write_bytes(fhirpath_trees.build(expressions))
    print(f"{fhirpath_trees.TREES_PATH}: parse trees of {len(expressions)} invariant expressions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
