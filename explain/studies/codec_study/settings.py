"""Codec settings of the codec study: settings grids, fixed settings, target bit rates (validated before any
work), and the label of one setting."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ...codecs import resolve_settings

# Every codec gets its entropy coder's best effort: WebP, JPEG 2000 and AVIF always adapt their entropy coding
# to the image, so JPEG writes image-optimised Huffman tables too (identical pixels, 10–37 % fewer bytes on
# BSD100 ×2 LR images; the standard tables would handicap JPEG at low rates).
DEFAULT_FIXED_SETTINGS = {"jpeg": {"optimize": True}}


def settings_label(settings: Mapping) -> str:
    """``{"quality": 30, "rate": 0.5}`` → ``"quality=30 rate=0.5"`` (floats in %g)."""
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def check_grid(settings, codecs) -> dict[str, list[dict]]:
    """``{codec: [settings dict, …]}`` checked, codec names lower-cased, codecs not in ``codecs`` dropped."""
    if not isinstance(settings, Mapping) or not settings:
        raise ValueError("settings must map codec names to lists of setting dicts, e.g. {'jpeg': [{'quality': 10}]}")
    grid = {}
    for codec, entries in settings.items():
        if codecs is not None and codec not in codecs:
            continue
        if isinstance(entries, Mapping) or not isinstance(entries, Sequence) or not entries:
            raise ValueError(f"settings[{codec!r}] must be a non-empty list of setting dicts")
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise ValueError(f"settings[{codec!r}] holds {entry!r}; each entry must be a dict of settings")
        grid[str(codec).lower()] = [dict(e) for e in entries]
    if not grid:
        raise ValueError(f"settings name none of the codecs {codecs}")
    return grid


def check_bpps(values, name: str) -> list[float]:
    """Positive finite bit rates (bits per pixel), sorted and without repeats; ValueError naming ``name``."""
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not v > 0 \
                or not math.isfinite(v):
            raise ValueError(f"{name} must be positive numbers (bits per pixel), got {v!r}")
        out.append(float(v))
    return sorted(set(out))


def check_fixed(fixed, codecs) -> dict[str, dict]:
    """``{codec: {name: value}}`` for the codecs studied, each setting checked by the codec before any work."""
    if not isinstance(fixed, Mapping):
        raise ValueError(f"fixed_settings must map codec names to setting dicts, got {fixed!r}")
    out = {}
    for codec, entry in fixed.items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"fixed_settings[{codec!r}] must be a dict of settings, got {entry!r}")
        if codec in codecs:
            resolve_settings(codec, **entry)  # names and values checked before any work
            out[codec] = dict(entry)
    return out
