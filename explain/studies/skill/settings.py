"""The settings of the skill study: the fixed, seeded scoring set, the evaluation set and the swap fractions.

Both image sets come from scikit-image (shipped with it, no download) and share no image: the scoring set ranks
the units, the evaluation set measures what swapping them does. No benchmark set is ever a default.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

# Colour photographs for scoring; greyscale and other photographs for evaluation (disjoint on purpose).
SCORING_IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field")
EVAL_IMAGES = ("camera", "coins", "clock", "retina", "moon", "brick")
FRACTIONS = (0.005, 0.01, 0.02, 0.05, 0.10, 1.0)
METHODS = ("faig", "absdelta", "ig-twin", "random")
METHOD_WORDS = {"faig": "FAIG (JPEG − clean)", "absdelta": "|Δθ|", "ig-twin": "IG of the twin alone",
                "random": "random units"}
INPUTS = ("jpeg", "clean")


@dataclass(frozen=True)
class ScoringSettings:
    """How the units are scored (the part of the settings the score cache depends on).

    images:  scikit-image names (or paths) of the scoring photographs.
    patch:   LR side of the one seeded random crop taken from each (the HR crop is ``patch · scale``).
    queries: HR pixels sampled per crop (seeded, without replacement), as LIIF's training samples queries.
    quality: JPEG quality of the degraded input (4:2:0, coded at the LR size: grid phase (0, 0)).
    steps:   path nodes of the weight-space integrated gradients (midpoint rule).
    """

    images: tuple[str, ...] = SCORING_IMAGES
    scale: int = 4
    patch: int = 40
    queries: int = 1024
    quality: int = 30
    steps: int = 16
    seed: int = 0

    def __post_init__(self):
        for name in ("scale", "patch", "queries", "steps"):
            _positive(getattr(self, name), name)
        if isinstance(self.quality, bool) or not isinstance(self.quality, int) or not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be a JPEG quality 1–100, got {self.quality!r}")
        if self.patch < 16:
            raise ValueError(f"patch must be at least 16 LR pixels (two 8×8 blocks), got {self.patch}")
        if not self.images:
            raise ValueError("the scoring set needs at least one image")

    def key(self) -> str:
        return _digest(asdict(self))


@dataclass(frozen=True)
class EvalSettings:
    """How swaps are evaluated: Y-PSNR gain over PIL bicubic (dB, 4-pixel shave) of the swapped twin on the
    central ``crop``² HR part of each evaluation image, clean and JPEG at ``quality`` (only the kinds in
    ``inputs``), at ×``scale`` (the scoring scale); ``fractions`` of all units, ``random_seeds`` random rankings;
    ``limit`` keeps the first N images; ``view_units``: how many top spatial units the block-edge enrichment
    covers."""

    images: tuple[str, ...] = EVAL_IMAGES
    crop: int = 128
    inputs: tuple[str, ...] = INPUTS
    fractions: tuple[float, ...] = FRACTIONS
    random_seeds: tuple[int, ...] = (0, 1, 2)
    limit: int | None = None
    view_units: int = 256

    def __post_init__(self):
        _positive(self.crop, "crop")
        _positive(self.view_units, "view_units")
        if self.limit is not None:
            _positive(self.limit, "limit")
        check_fractions(self.fractions)
        if not self.inputs or any(k not in INPUTS for k in self.inputs):
            raise ValueError(f"inputs must be among {INPUTS}, got {self.inputs!r}")
        if isinstance(self.random_seeds, (str, bytes)) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in self.random_seeds):
            raise ValueError(f"random_seeds must be integers, got {self.random_seeds!r}")

    def key(self) -> str:
        return _digest(asdict(self))


def _positive(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check_fractions(fractions) -> tuple[float, ...]:
    """Fractions of all units in (0, 1], sorted, each once."""
    try:
        values = sorted({float(f) for f in fractions})
    except (TypeError, ValueError):
        raise ValueError(f"fractions must be numbers in (0, 1], got {fractions!r}") from None
    if not values or values[0] <= 0 or values[-1] > 1:
        raise ValueError(f"fractions must be numbers in (0, 1], got {fractions!r}")
    return tuple(values)
