"""What region coding returns: per image the region, both codes and their PSNR-Y inside / outside the region."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_TARGET_BPP = 0.6

DEFAULT_AREA = 0.25


@dataclass
class RegionCoding:
    """Region vs uniform JPEG coding of one image at equal rate.

    cells: (gh, gw) bool MCU cells of the region; ``mask``: (h, w) LR pixels; ``region_share`` = mask mean.
    uniform_*: the uniform code (quality, bytes, bpp); ``code``: the :class:`TwoQualityCode` (without image).
    psnr: {method: {"uniform" | "region": {"inside" | "outside" | "all": PSNR-Y dB}}}; method "decoded" is the
    decoded LR vs the clean LR (no shave), the others the ×s SR vs HR (s-pixel shave).
    """

    image: str
    source: str
    cells: np.ndarray
    mask: np.ndarray
    region_share: float
    uniform_quality: int
    uniform_nbytes: int
    uniform_bpp: float
    code: dict
    psnr: dict
    decoded_uniform: np.ndarray | None = None
    decoded_region: np.ndarray | None = None

    def gain(self, method: str, part: str) -> float:
        """PSNR-Y of region coding − uniform coding (dB) for ``method`` on ``part`` (inside/outside/all)."""
        return self.psnr[method]["region"][part] - self.psnr[method]["uniform"][part]


@dataclass
class RegionStudy:
    """:class:`RegionCoding` of each image of a run; ``params`` records its settings."""

    results: list[RegionCoding]
    params: dict = field(default_factory=dict)

    def mean_gains(self) -> dict:
        """{method: {"inside" | "outside" | "all": mean gain (dB) region − uniform}} over images."""
        out = {}
        for method in self.results[0].psnr:
            out[method] = {part: float(np.mean([r.gain(method, part) for r in self.results]))
                           for part in ("inside", "outside", "all")}
        return out
