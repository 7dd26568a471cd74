"""The channel clue: for each output component (Y, Cb, Cr) of a window, the share of its attribution on the input
Y, Cb and Cr planes. Does the model rebuild subsampled chroma from luma edges?

Targets: :class:`ComponentDetail` — LAM's gradient detector (Gu & Dong 2021, Sec. 3.1; Sobel magnitude summed
over the window) applied to one JFIF component (ITU-T T.871) of the model's output, i.e. "the Y (or Cb, Cr) detail
the model rebuilds in the window". Attribution: integrated gradients on the straight path from a baseline (the
coarser-JPEG baseline of :mod:`explain.probes.frequency`) taken in the YCbCr domain: with z = M·x per pixel,
A_t[c] = (M⁻ᵀ ḡ_t)[c] · (z − z₀)[c] where ḡ_t is the path-mean RGB gradient of target t (IG's total is the same in
any linear parametrisation of the input, so the three input shares of a row partition the evidence for that
output component).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .attribution import GradientTarget, WindowTarget
from .frequency import COMPONENTS, JFIF, JFIF_INV


class ComponentDetail(WindowTarget):
    """Σ over the window of the Sobel gradient magnitude of one JFIF component (0 = Y, 1 = Cb, 2 = Cr) of the
    output, in [0, 1] units (Cb, Cr without their 0.5 offset, which the gradient ignores anyway)."""

    margin = 1

    def __init__(self, component: int):
        if component not in (0, 1, 2):
            raise ValueError(f"component must be 0 (Y), 1 (Cb) or 2 (Cr), got {component!r}")
        self.component = int(component)
        self.name = f"{COMPONENTS[component]} detail"
        self._detector = GradientTarget()

    def __call__(self, region: torch.Tensor) -> torch.Tensor:  # (B, h + 2, w + 2, 3) RGB
        row = region.new_tensor(JFIF[self.component])
        plane = (region * row).sum(-1, keepdim=True)
        return self._detector(plane)


@dataclass
class ChannelShares:
    """Output component × input component shares of |attribution| (rows add up to 1).

    shares:        (3, 3) rows = output Y, Cb, Cr detail; columns = input Y, Cb, Cr.
    signed:        (3, 3) signed attribution totals (target units): rows add up to F(x) − F(x₀) of that row.
    target_change: (3,) F_t(x) − F_t(x₀); ``completeness_gap`` (3,) relative gaps of the rows.
    target_value:  (3,) F_t(x) (total detail of each output component in the window).
    pixel_maps:    (3, 3, hc, wc) |attribution| per output row, input component and LR pixel of the crop.
    """

    shares: np.ndarray
    signed: np.ndarray
    target_change: np.ndarray
    completeness_gap: np.ndarray
    target_value: np.ndarray
    pixel_maps: np.ndarray

    @property
    def colour_from_luma(self) -> float:
        """Share of the chroma-output evidence (Cb and Cr rows, weighted by their total |attribution|) on input Y."""
        mags = self.pixel_maps[1:].sum(axis=(2, 3))  # (2, 3)
        total = mags.sum()
        return float(mags[:, 0].sum() / total) if total > 0 else float("nan")

    @property
    def luma_from_luma(self) -> float:
        return float(self.shares[0, 0])

    def summary(self) -> dict:
        return {"shares": self.shares.tolist(), "rows": [f"output {c} detail" for c in COMPONENTS],
                "columns": [f"input {c}" for c in COMPONENTS], "signed": self.signed.tolist(),
                "target_change": self.target_change.tolist(), "completeness_gap": self.completeness_gap.tolist(),
                "target_value": self.target_value.tolist(), "colour_from_luma": self.colour_from_luma,
                "luma_from_luma": self.luma_from_luma}


def channel_shares(mean_grad: np.ndarray, delta: np.ndarray, f_input: np.ndarray, f_baseline: np.ndarray
                   ) -> ChannelShares:
    """From path-mean RGB gradients (3 targets, 3, hc, wc) of the Y, Cb, Cr detail targets and the path's
    direction x − x₀ (3, hc, wc) to :class:`ChannelShares`."""
    g = np.asarray(mean_grad, dtype=np.float64)
    if g.shape[0] != 3 or g.shape[1] != 3:
        raise ValueError(f"need the gradients of the 3 component targets (3, 3, h, w), got {g.shape}")
    g_ycc = np.einsum("dc,tdhw->tchw", JFIF_INV, g)  # M⁻ᵀ g: gradient w.r.t. the YCbCr planes
    dz = np.tensordot(JFIF, np.asarray(delta, dtype=np.float64), axes=1)  # (3, h, w)
    a = g_ycc * dz[None]
    mags = np.abs(a)
    row_tot = mags.sum(axis=(1, 2, 3), keepdims=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = mags.sum(axis=(2, 3)) / row_tot[:, None]
    signed = a.sum(axis=(2, 3))
    change = np.asarray(f_input, dtype=np.float64) - np.asarray(f_baseline, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(change != 0, np.abs(signed.sum(1) - change) / np.abs(change), np.inf)
    return ChannelShares(shares, signed, change, gap, np.asarray(f_input, dtype=np.float64), mags.astype(np.float32))
