"""Two-quality JPEG codes with honest byte counts: region MCUs from a high-quality stream, the rest from a
low-quality one, sized MCU by MCU from the streams' entropy-coded data; and the code that fits a byte budget
(see :mod:`explain.studies.region_coding`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...codecs import decode, encode
from ...images import to_uint8
from ..jpeg_scan import ScanCosts, scan_costs
from .mcu import block_grid_shape, cells_to_mask, mcu_side


@dataclass
class TwoQualityCode:
    """A two-quality JPEG code (see the module docstring).

    decoded: (h, w, 3) float32 in [0, 1]; nbytes / bpp: the counted size and rate (bits per LR pixel);
    nbytes_high / nbytes_low: the sizes of the two whole-image streams; header_high, dqt_low: the header
    bytes counted; region_bits / other_bits: entropy-coded bits of the region MCUs (from H) and the rest (L).
    """

    decoded: np.ndarray
    nbytes: int
    bpp: float
    high_quality: int
    low_quality: int
    nbytes_high: int
    nbytes_low: int
    header_high: int
    dqt_low: int
    region_bits: int
    other_bits: int


class _Streams:
    """Whole-image JPEG streams of one LR image per quality, with their per-MCU costs (computed once)."""

    def __init__(self, lr, subsampling: str):
        self.block = mcu_side(subsampling)
        self.u8 = to_uint8(lr)
        self.subsampling = subsampling
        self.cache: dict[int, tuple[bytes, ScanCosts]] = {}

    def check(self, cells) -> np.ndarray:
        cells = np.asarray(cells, dtype=bool)
        want = block_grid_shape(self.u8.shape, self.block)
        if cells.shape != want:
            raise ValueError(f"cells must be {want} (one per {self.block}×{self.block} MCU), got {cells.shape}")
        return cells

    def __call__(self, quality: int) -> tuple[bytes, ScanCosts]:
        if quality not in self.cache:
            data = encode(self.u8, "jpeg", quality=int(quality), subsampling=self.subsampling)
            self.cache[quality] = (data, scan_costs(data))
        return self.cache[quality]

    def nbytes(self, cells, q_high: int, q_low: int) -> tuple[int, int, int]:
        (_, high), (_, low) = self(q_high), self(q_low)
        region_bits, other_bits = int(high.bits[cells].sum()), int(low.bits[~cells].sum())
        return high.header + low.dqt + -(-(region_bits + other_bits) // 8) + 2, region_bits, other_bits

    def code(self, cells, q_high: int, q_low: int) -> TwoQualityCode:
        (data_h, high), (data_l, low) = self(q_high), self(q_low)
        nbytes, region_bits, other_bits = self.nbytes(cells, q_high, q_low)
        mask = cells_to_mask(cells, self.u8.shape, self.block)[..., None]
        decoded = np.where(mask, decode(data_h), decode(data_l)).astype(np.float32)
        h, w = self.u8.shape[:2]
        return TwoQualityCode(decoded, nbytes, 8.0 * nbytes / (h * w), int(q_high), int(q_low), len(data_h),
                              len(data_l), high.header, low.dqt, region_bits, other_bits)


def two_quality_jpeg(lr, cells: np.ndarray, high_quality: int, low_quality: int,
                     subsampling: str = "4:2:0") -> TwoQualityCode:
    """Code MCU cells ``cells`` (True = region) of ``lr`` at ``high_quality`` and the rest at ``low_quality``.

    lr: (h, w, 3) float in [0, 1] (rounded to 8 bits); cells: (ceil(h/B), ceil(w/B)) bool, B the MCU side.
    """
    streams = _Streams(lr, subsampling)
    return streams.code(streams.check(cells), int(high_quality), int(low_quality))


def match_region_code(lr, cells, budget_bytes: int, high_quality: int, subsampling: str = "4:2:0",
                      min_high: int | None = None) -> TwoQualityCode:
    """The two-quality code with the highest low quality whose size is ≤ ``budget_bytes`` at ``high_quality``
    (bisection over 1 … high − 1, assuming size grows with quality); while even quality 1 outside does not
    fit, the high quality drops by 5 (not below ``min_high``). ValueError when nothing fits."""
    streams = _Streams(lr, subsampling)
    cells = streams.check(cells)
    floor = 2 if min_high is None else max(2, int(min_high))
    q_high = int(high_quality)
    while q_high >= floor:
        if streams.nbytes(cells, q_high, 1)[0] <= budget_bytes:
            lo, hi = 1, q_high  # invariant: lo fits; hi does not (or is the high quality itself)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if streams.nbytes(cells, q_high, mid)[0] <= budget_bytes:
                    lo = mid
                else:
                    hi = mid
            return streams.code(cells, q_high, lo)
        q_high -= 5
    raise ValueError(f"no two-quality code fits {budget_bytes} bytes (region of {int(np.sum(cells))} MCUs); "
                     "use a smaller region or a higher target bpp")
