"""HyRA's split of an output into a linear part and a non-linear remainder, and where the remainder sits.

HyRA (Deng et al., ICML 2024, arXiv 2405.07919, Sec. 3) writes an SR output as the response of a linear system —
the LR image upsampled by zero insertion and convolved with the network's measured impulse response — plus a
non-linear part that carries what no fixed kernel makes. Here the linear system is the model's first-order answer
around a flat grey field: with g_c the impulse response of channel c per unit of amplitude
(:func:`explain.probes.impulse.impulse_response`, measured at ``background``) and f_c the output of the flat field,

    linear_c = f_c + (zero-insert(lr_c − background) ∗ g_c),     nonlinear = output − linear,

so ``linear + nonlinear == output`` exactly. For JPEG inputs the question is where the non-linear energy sits:
on the pixels next to a block edge (each block's outer LR ring) or inside the blocks. :class:`HybridResponse`
gives the ratio of the mean non-linear energy per output pixel on edges to that in interiors, with a percentile
bootstrap interval over blocks (blocks are resampled with replacement and the ratio of pooled means recomputed).

Shapes: ``lr`` (h, w, 3) in [0, 1]; a window (row, col, height, width) in LR pixels; outputs (height·scale,
width·scale, 3) image units, not clamped. Block grids as in :mod:`explain.metrics`: blocks start at LR rows ≡
grid_phase[0], columns ≡ grid_phase[1] (mod block_size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..images import load_image
from ._lr_query import block_phase, check_block_size
from .impulse import ImpulseResponse, check_int, check_scale, impulse_response, is_bicubic, model_name, unclamped_output

BOOTSTRAP = 2000


def edge_interior_ratio(edge_energy, edge_pixels, interior_energy, interior_pixels, *, n_boot: int = BOOTSTRAP,
                        seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """(ratio, low, high): the mean energy per edge pixel over the mean per interior pixel, pooled over blocks,
    and its percentile bootstrap interval over blocks (arrays (B,) of per-block sums and pixel counts)."""
    arrays = [np.asarray(a, dtype=np.float64).ravel() for a in (edge_energy, edge_pixels, interior_energy,
                                                                interior_pixels)]
    n = arrays[0].size
    if n == 0 or any(a.size != n for a in arrays):
        raise ValueError("edge_interior_ratio needs the same number (>= 1) of per-block sums and counts")

    def ratio(idx):
        e, ne, i, ni = (a[idx].sum(axis=-1) for a in arrays)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (e / ne) / (i / ni)

    value = float(ratio(np.arange(n)))
    if n < 2:
        return value, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    boots = ratio(rng.integers(0, n, size=(int(n_boot), n)))
    tail = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(boots, [tail, 100 - tail])
    return value, float(lo), float(hi)


@dataclass
class HybridResponse:
    """HyRA's split of one window's output.

    lr:        (h, w, 3) the LR window; output, linear, nonlinear: (h·scale, w·scale, 3), not clamped, with
               ``linear + nonlinear == output``; flat_level: (3,) the flat field's output f_c.
    edge:      (H, W) bool, True on output pixels of each block's outer LR ring (next to a block edge);
    block_id:  (H, W) int, the block of each output pixel (−1 outside the complete blocks of the window).
    edge_energy, edge_pixels, interior_energy, interior_pixels: (B,) per complete block, the non-linear energy
               Σ_c nonlinear² summed over its edge / interior output pixels, and their counts.
    ratio, interval: mean energy per edge pixel / per interior pixel, and its 95 % bootstrap interval over blocks.
    nonlinear_share: Σ nonlinear² / Σ (output − flat_level)²: how much of the picture's departure from grey the
               linear system does not explain.
    """

    name: str
    lr: np.ndarray
    output: np.ndarray
    linear: np.ndarray
    nonlinear: np.ndarray
    flat_level: np.ndarray
    window: tuple[int, int, int, int]
    scale: int
    block_size: int
    grid_phase: tuple[int, int]
    edge: np.ndarray
    block_id: np.ndarray
    edge_energy: np.ndarray
    edge_pixels: np.ndarray
    interior_energy: np.ndarray
    interior_pixels: np.ndarray
    ratio: float
    interval: tuple[float, float]
    nonlinear_share: float

    def summary(self) -> str:
        lo, hi = self.interval
        return (f"{self.name}: non-linear energy per pixel on block edges / inside blocks {self.ratio:.2f} "
                f"[{lo:.2f}, {hi:.2f}] over {self.edge_energy.size} blocks; the non-linear part holds "
                f"{100 * self.nonlinear_share:.1f}% of the output's energy around grey")


def _check_window(window, shape) -> tuple[int, int, int, int]:
    h, w = shape
    if window is None:
        return 0, 0, h, w
    try:
        r, c, hh, ww = (check_int(v, "window entries", 0) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be four integers (row, col, height, width) in LR pixels, got {window!r}") \
            from None
    if hh < 1 or ww < 1 or r + hh > h or c + ww > w:
        raise ValueError(f"window {tuple(window)} must lie inside the {h}×{w} LR image and not be empty")
    return r, c, hh, ww


def linear_part(image: np.ndarray, window, impulse: ImpulseResponse) -> tuple[np.ndarray, np.ndarray]:
    """(linear (h·s, w·s, 3) over the LR ``window`` of ``image``, flat level (3,)): zero-insertion upsampling of
    the deviation from the impulse's background, convolved with its response per unit amplitude, plus the flat
    field's output. LR pixels outside the image count as background."""
    from scipy.signal import fftconvolve

    s, k = impulse.scale, impulse.centre[0]
    r, c, hh, ww = window
    h, w = image.shape[:2]
    a0, a1, b0, b1 = max(0, r - k), min(h, r + hh + k), max(0, c - k), min(w, c + ww + k)
    z = np.zeros(((a1 - a0) * s, (b1 - b0) * s, 3), dtype=np.float64)
    z[::s, ::s] = image[a0:a1, b0:b1] - impulse.background
    kernel = impulse.response.astype(np.float64) / impulse.amplitude  # (S, S, 3), impulse at output k·s
    o = k * s
    y0, x0 = o + (r - a0) * s, o + (c - b0) * s
    centre = impulse.flat[o:o + s, o:o + s].reshape(-1, 3).mean(axis=0).astype(np.float64)
    linear = np.empty((hh * s, ww * s, 3), dtype=np.float64)
    for ch in range(3):
        full = fftconvolve(z[..., ch], kernel[..., ch], mode="full")
        linear[..., ch] = full[y0:y0 + hh * s, x0:x0 + ww * s] + centre[ch]
    return linear, centre


def block_layout(window, scale: int, block_size: int, grid_phase) -> tuple[np.ndarray, np.ndarray]:
    """(edge (H, W) bool, block_id (H, W) int) for the output pixels of an LR ``window``: edge pixels lie on a
    block's outer LR ring; block_id numbers the complete blocks inside the window (−1 elsewhere)."""
    r, c, hh, ww = window
    axes = []
    for start, length, phase in ((r, hh, grid_phase[0]), (c, ww, grid_phase[1])):
        lr_index = start + np.arange(length * scale) // scale
        offset = (lr_index - phase) % block_size
        block = (lr_index - phase) // block_size
        first = -(-(start - phase) // block_size)  # first block starting inside the window
        last = (start + length - phase) // block_size  # one past the last block ending inside it
        complete = (block >= first) & (block < last)
        axes.append((offset, np.where(complete, block - first, -1), max(0, last - first)))
    (off_r, blk_r, n_r), (off_c, blk_c, n_c) = axes
    edge = np.isin(off_r, (0, block_size - 1))[:, None] | np.isin(off_c, (0, block_size - 1))[None, :]
    block_id = np.where((blk_r[:, None] >= 0) & (blk_c[None, :] >= 0), blk_r[:, None] * n_c + blk_c[None, :], -1)
    return edge, block_id


def hybrid_response(model, lr, *, scale: int = 4, window=None, impulse: ImpulseResponse | None = None,
                    block_size: int = 8, grid_phase=(0, 0), n_boot: int = BOOTSTRAP, seed: int = 0,
                    name: str | None = None) -> HybridResponse:
    """Split the model's unclamped output over an LR window into HyRA's linear and non-linear parts.

    model:    a contract model (or name / path), or :data:`~explain.probes.impulse.BICUBIC` (linear: its
              non-linear part is the kernel's truncation only).
    lr:       anything :func:`explain.upscale` takes ((h, w, 3) in [0, 1]), e.g. a JPEG-compressed LR image.
    window:   (row, col, height, width) in LR pixels (default: the whole image). The output is computed as part of
              the whole image's upscale (exact), and the linear part reads the LR pixels around the window.
    impulse:  the model's :class:`ImpulseResponse` at this scale (bright kind); measured here when None (17×17
              field, background 0.5, amplitude 0.25). Its field size bounds the kernel's reach (±size // 2 LR px).
    Returns a :class:`HybridResponse`; its ratio needs at least one complete block inside the window.
    """
    scale = check_scale(scale)
    block_size = check_block_size(block_size)
    grid_phase = block_phase(grid_phase)
    image = load_image(lr)
    window = _check_window(window, image.shape[:2])
    if impulse is None:
        impulse = impulse_response(model, scale=scale, name=name)
    if not isinstance(impulse, ImpulseResponse):
        raise TypeError(f"impulse must be an ImpulseResponse from impulse_response, got {type(impulse).__name__}")
    if impulse.scale != scale or impulse.kind != "bright" or impulse.quality is not None:
        raise ValueError(f"impulse must be a bright impulse without JPEG measured at scale {scale}, got a "
                         f"{impulse.kind} impulse at scale {impulse.scale}"
                         + ("" if impulse.quality is None else f", JPEG quality {impulse.quality}"))
    edge, block_id = block_layout(window, scale, block_size, grid_phase)
    if block_id.max() < 0:
        raise ValueError(f"window {window} holds no complete {block_size}×{block_size} block at grid phase "
                         f"{grid_phase}; give a larger window")
    output = unclamped_output(model, image, scale, window).astype(np.float64)
    linear, flat_level = linear_part(image, window, impulse)
    nonlinear = output - linear
    energy = (nonlinear ** 2).sum(axis=-1)
    n_blocks = int(block_id.max()) + 1
    inside = block_id >= 0
    sums = [np.bincount(block_id[inside & m], weights=energy[inside & m], minlength=n_blocks)
            for m in (edge, ~edge)]
    counts = [np.bincount(block_id[inside & m], minlength=n_blocks).astype(np.float64) for m in (edge, ~edge)]
    ratio, lo, hi = edge_interior_ratio(sums[0], counts[0], sums[1], counts[1], n_boot=n_boot, seed=seed)
    around = ((output - flat_level) ** 2).sum()
    r, c, hh, ww = window
    return HybridResponse(
        name=model_name(model, name if name is not None else (impulse.name if not is_bicubic(model) else None)),
        lr=image[r:r + hh, c:c + ww], output=output.astype(np.float32), linear=linear.astype(np.float32),
        nonlinear=nonlinear.astype(np.float32), flat_level=flat_level.astype(np.float32), window=window,
        scale=scale, block_size=block_size, grid_phase=grid_phase, edge=edge, block_id=block_id,
        edge_energy=sums[0], edge_pixels=counts[0], interior_energy=sums[1], interior_pixels=counts[1], ratio=ratio,
        interval=(lo, hi), nonlinear_share=float(energy.sum() / around) if around > 0 else float("nan"),
    )


__all__ = ["HybridResponse", "hybrid_response", "edge_interior_ratio", "linear_part", "block_layout"]
