"""Markdown of the studies' tables: numbers as table cells."""

from __future__ import annotations

import math


def fmt(value, digits: int = 2) -> str:
    """A number for a Markdown table ("–" for None/NaN)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"

