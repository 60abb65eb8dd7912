"""Hypothesis profiles for the fuzz suite.

``ci`` (the default) is derandomised with a fixed example count, so every run tries the same
inputs and the suite stays within its time budget; ``explore`` (``HYPOTHESIS_PROFILE=explore``)
tries many more, with a fresh seed each run, for hunting locally.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # an xlsx write can take a few tens of ms; timing is not the property
    "database": None,  # nothing written into the checkout
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=120, derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
