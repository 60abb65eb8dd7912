"""``--mapped``: compare bbmigrate's mapping of v1 with the real v2, leaf by leaf.

Leaves are matched by semantic key, exactly as :mod:`bbmigrate.fidelity` scores them, so the
``reproduced`` count equals the fidelity's shared leaves: ``reproduced`` (same key, same value),
``differs`` (same key, another value), ``missing`` (a v2 leaf the mapping does not produce) and
``extra`` (a mapped leaf v2 does not have). Expected ``IGNORED_FIELD`` paths are not compared.
Each record names the rule that produced the mapped leaf and the v1 leaf it came from; a
``missing`` leaf under an element the mapping declares as a gap names that gap.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..fidelity import Fidelity, ignored_paths, score
from ..leaves import IGNORED, flatten, tag
from .model import Change
from .provenance import Mapped, prefixes, variable_in


def compare_mapped(
    v1: dict[str, Any], mapped: Mapped, v2: dict[str, Any]
) -> tuple[list[Change], Fidelity]:
    """Records for every mapped and every real v2 leaf, and the fidelity of the mapping."""
    skip = ignored_paths(v2)
    real = [leaf for leaf in flatten(v2) if leaf.value != IGNORED]
    made = [leaf for leaf in flatten(mapped.document) if leaf.key not in skip]
    v1_values = {leaf.path: leaf.value for leaf in flatten(v1)}
    index: dict[str, list[int]] = defaultdict(list)
    for j, leaf in enumerate(real):
        index[leaf.key].append(j)
    used = [False] * len(real)
    pairs: list[int | None] = [None] * len(made)
    for loose in (False, True):
        for i, leaf in enumerate(made):
            if pairs[i] is not None:
                continue
            for j in index.get(leaf.key, ()):
                if not used[j] and (loose or tag(real[j].value) == tag(leaf.value)):
                    used[j] = True
                    pairs[i] = j
                    break

    out: list[Change] = []
    for i, leaf in enumerate(made):
        hits = mapped.index.from_v2(leaf.path)
        rule = hits[0].rule if hits else None
        source = hits[0].other_path if hits else None
        variable = (hits[0].variable if hits else None) or variable_in(leaf.key)
        j = pairs[i]
        other = real[j] if j is not None else None
        if other is None:
            kind = "extra"
        elif tag(other.value) == tag(leaf.value):
            kind = "reproduced"
        else:
            kind = "differs"
        out.append(
            Change(
                kind,
                source,
                other.path if other else None,
                v1_values.get(source) if source else None,
                other.value if other else None,
                rule=rule,
                variable=variable,
                mapped_path=leaf.path,
                mapped_value=leaf.value,
            )
        )
    for j, leaf in enumerate(real):
        if not used[j]:
            gap = next((mapped.gaps[a] for a, _ in prefixes(leaf.path) if a in mapped.gaps), None)
            out.append(
                Change(
                    "missing",
                    None,
                    leaf.path,
                    None,
                    leaf.value,
                    rule=gap,
                    variable=variable_in(leaf.key),
                )
            )
    return out, score(mapped.document, v2)
