"""Argument checks shared across the package: each raises a ValueError that names the argument."""

from __future__ import annotations

import numpy as np


def check_positive_int(value, name: str) -> int:
    """``value`` as an int when it is a positive integer (not a bool); ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
