"""Named settings of the lesson (notebook 01) that a teacher can share: one word gives every student the same image,
JPEG quality and scale.

    from explain.presets import LESSON_PRESETS, lesson_preset
    image, quality, scale = lesson_preset("portrait-q20", image, quality, scale)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """image: a default image name; quality: JPEG quality after the ×scale downscale; note: what it shows."""

    image: str
    quality: int
    scale: int
    note: str


LESSON_PRESETS = {
    "portrait-q20": Preset("astronaut", 20, 4, "the default: strong blocking on skin and on the helmet's edges"),
    "coffee-q10": Preset("coffee", 10, 4, "very low quality: blocks everywhere, colour bleeding on the cup"),
    "cat-q30": Preset("chelsea", 30, 4, "fur at a common web quality: fine texture the JPEG half erased"),
    "rocket-q50-x2": Preset("rocket", 50, 2, "mild compression at ×2: how little is left to repair"),
}


def lesson_preset(preset, image, quality, scale):
    """(image, quality, scale) of the named preset, or the three values given when ``preset`` is None or ""."""
    if preset is None or preset == "":
        return image, quality, scale
    if not isinstance(preset, str) or preset not in LESSON_PRESETS:
        raise ValueError(f"preset must be one of {sorted(LESSON_PRESETS)} or None, got {preset!r}")
    p = LESSON_PRESETS[preset]
    return p.image, p.quality, p.scale
