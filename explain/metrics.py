"""Image quality metrics. Images are (H, W, 3) float arrays in [0, 1] (a few also take (H, W) gray).

PSNR and SSIM on RGB or on the luma Y of ITU-R BT.601 in studio range (16–235), the SR benchmark convention,
with a border of ``shave`` pixels removed from every side before measuring.

Blocking (Yim & Bovik, "Quality assessment of deblocked images", IEEE TIP 20(1), 2011): the blocking effect
factor BEF, PSNR-B, and a local blocking map to find the blockiest region of an image.

Block-grid convention: ``block_size`` B and ``phase`` = (py, px) with 0 <= py, px < B put the block
boundaries between pixel rows py+kB−1 and py+kB and between pixel columns px+kB−1 and px+kB (integer k),
so phase (0, 0) is the JPEG grid of an image whose top-left pixel starts a block. The grid is always given
in the coordinates of the full image, before any ``shave``. An ×s upscale of a JPEG image (pixel centres
aligned, as LIIF and bicubic both do) has its boundaries at block_size = 8·s with phase = s·(original phase).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

# BT.601 RGB (0–1) → Y' (16–235 of 255), the MATLAB rgb2ycbcr convention used by SR benchmarks.
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64)


def rgb_to_y(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB in [0, 1] → (H, W) Y in [16, 235] / 255 units of [0, 1]."""
    image = np.asarray(image, dtype=np.float64)
    return (image @ _Y_WEIGHTS + 16.0) / 255.0


def _check_pair(a, b):
    """Two same-shape images as float64; ValueError for NaN/inf or values outside [0, 1] (e.g. 8-bit data)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    if a.ndim not in (2, 3):
        raise ValueError(f"images must be (H, W) or (H, W, 3), got {a.shape}")
    checked = []
    for which, image in (("reference", a), ("test", b)):
        if image.dtype.kind not in "biuf":  # bool, signed, unsigned, float
            raise ValueError(f"the {which} image must hold numbers, got dtype {image.dtype}")
        image = image.astype(np.float64)
        if not np.isfinite(image).all():
            raise ValueError(f"the {which} image holds NaN or infinite values")
        if image.size and (image.min() < -1e-6 or image.max() > 1 + 1e-6):
            raise ValueError(f"the {which} image has values in [{image.min():g}, {image.max():g}]; the metrics take "
                             "[0, 1] (divide 8-bit images by 255)")
        checked.append(image)
    return checked[0], checked[1]


def shave_border(image: np.ndarray, shave: int) -> np.ndarray:
    if shave < 0:
        raise ValueError(f"shave must be >= 0, got {shave}")
    if shave == 0:
        return image
    if 2 * shave >= min(image.shape[:2]):
        raise ValueError(f"shave {shave} leaves nothing of a {image.shape[0]}×{image.shape[1]} image")
    return image[shave:-shave, shave:-shave]


def psnr(reference, test, shave: int = 0, y_channel: bool = False) -> float:
    """PSNR in dB (peak 1; inf for identical images) of two same-shape images, (H, W, 3) or (H, W) in [0, 1].

    ``y_channel`` measures BT.601 luma (RGB input only); ``shave`` drops that many pixels from every border first.
    """
    a, b = _check_pair(reference, test)
    if y_channel:
        if a.ndim != 3 or a.shape[-1] != 3:
            raise ValueError("y_channel PSNR needs RGB images (H, W, 3)")
        a, b = rgb_to_y(a), rgb_to_y(b)
    a, b = shave_border(a, shave), shave_border(b, shave)
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def psnr_y(reference, test, shave: int = 0) -> float:
    """PSNR in dB of the BT.601 luma Y of two (H, W, 3) RGB images in [0, 1] (the SR benchmark measure)."""
    return psnr(reference, test, shave=shave, y_channel=True)


def _luma_pair(reference, test, y_channel: bool, what: str):
    a, b = _check_pair(reference, test)
    if y_channel:
        if a.ndim != 3 or a.shape[-1] != 3:
            raise ValueError(f"y_channel {what} needs RGB images (H, W, 3), got shape {a.shape}")
        a, b = rgb_to_y(a), rgb_to_y(b)
    return a, b


def ssim(reference, test, y_channel: bool = True, shave: int = 0) -> float:
    """Mean SSIM (Wang et al., IEEE TIP 2004) with data range 1, in [-1, 1] (1 for identical images).

    Gaussian 11×11 window with σ = 1.5 and population covariances, the paper's (and the SR benchmarks')
    setting, through :func:`skimage.metrics.structural_similarity`. ``y_channel`` measures BT.601 luma of RGB
    images; otherwise channels are measured separately and averaged. ``shave`` drops a border first. Both
    sides must be at least 11 pixels after shaving.
    """
    from skimage.metrics import structural_similarity

    a, b = _luma_pair(reference, test, y_channel, "SSIM")
    a, b = shave_border(a, shave), shave_border(b, shave)
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs images of at least 11×11 pixels (after shaving), got {a.shape[:2]}")
    return float(structural_similarity(a, b, data_range=1.0, channel_axis=-1 if a.ndim == 3 else None,
                                       gaussian_weights=True, sigma=1.5, use_sample_covariance=False))


# --------------------------------------------------------------------------------------------- blocking


@dataclass
class BlockingStats:
    """The quantities of Yim & Bovik (2011), eqs. for D_B, D_B^c and BEF, for one image and block grid.

    d_b: mean squared difference of the horizontally/vertically adjacent pixel pairs straddling a block
    boundary; d_bc: the same over all other adjacent pairs; n_b, n_bc: how many pairs (× channels) each
    mean pools; eta = log2(B) / log2(min(H, W)); bef = eta·(d_b − d_bc) if d_b > d_bc else 0.
    Units are those of the image squared ([0, 1] images → [0, 1]² units, comparable to an MSE).
    """

    d_b: float
    d_bc: float
    n_b: int
    n_bc: int
    eta: float
    bef: float


def _check_block_grid(block_size, phase) -> tuple[int, int, int]:
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) or block_size < 2:
        raise ValueError(f"block_size must be an integer >= 2, got {block_size!r}")
    block_size = int(block_size)
    try:
        py, px = phase
    except (TypeError, ValueError):
        raise ValueError(f"phase must be a pair (py, px) of integers, got {phase!r}") from None
    for p in (py, px):
        if isinstance(p, bool) or not isinstance(p, numbers.Integral) or not 0 <= p < block_size:
            raise ValueError(f"phase entries must be integers in [0, block_size={block_size}), got {phase!r}")
    return block_size, int(py), int(px)


def _as_plane_stack(image, name: str = "image") -> np.ndarray:
    """(H, W) or (H, W, C) → float64 (H, W, C)."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[-1] < 1:
        raise ValueError(f"{name} must be (H, W) or (H, W, C), got shape {np.shape(image)}")
    if min(x.shape[:2]) < 2:
        raise ValueError(f"{name} must be at least 2×2 pixels, got {x.shape[:2]}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _boundary_masks(height: int, width: int, block_size: int, py: int, px: int):
    """Boolean masks over pair positions: cols[c] for the pair (c, c+1), rows[r] for the pair (r, r+1)."""
    cols = (np.arange(1, width) % block_size) == px
    rows = (np.arange(1, height) % block_size) == py
    return rows, cols


def blocking_stats(image, block_size: int = 8, phase: tuple[int, int] = (0, 0)) -> BlockingStats:
    """D_B, D_B^c and BEF of ``image`` ((H, W) or (H, W, C); channels pool into one pair of means).

    See the module docstring for the block-grid convention. Raises ValueError when the image holds no
    pair straddling a boundary (smaller than the grid) or no pair inside blocks.
    """
    block_size, py, px = _check_block_grid(block_size, phase)
    x = _as_plane_stack(image)
    height, width, channels = x.shape
    rows, cols = _boundary_masks(height, width, block_size, py, px)
    dh = (x[:, 1:] - x[:, :-1]) ** 2  # (H, W-1, C): pair (c, c+1) at column c
    dv = (x[1:] - x[:-1]) ** 2  # (H-1, W, C)
    sum_b = float(dh[:, cols].sum() + dv[rows].sum())
    sum_all = float(dh.sum() + dv.sum())
    n_b = channels * (height * int(cols.sum()) + width * int(rows.sum()))
    n_all = channels * (height * (width - 1) + width * (height - 1))
    n_bc = n_all - n_b
    if n_b == 0:
        raise ValueError(f"a {height}×{width} image has no pixel pair across a block boundary "
                         f"(block_size={block_size}, phase={phase})")
    if n_bc == 0:  # pragma: no cover - impossible for block_size >= 2 and images >= 2×2
        raise ValueError("every pixel pair straddles a block boundary")
    d_b, d_bc = sum_b / n_b, (sum_all - sum_b) / n_bc
    eta = math.log2(block_size) / math.log2(min(height, width))
    bef = eta * (d_b - d_bc) if d_b > d_bc else 0.0
    return BlockingStats(d_b=d_b, d_bc=d_bc, n_b=n_b, n_bc=n_bc, eta=eta, bef=bef)


def blocking_effect_factor(image, block_size: int = 8, phase: tuple[int, int] = (0, 0)) -> float:
    """BEF of Yim & Bovik (2011): η·(D_B − D_B^c) when D_B > D_B^c, else 0 (see :func:`blocking_stats`).

    image: (H, W) or (H, W, C) float; the result is in squared image units (an MSE-like number).
    """
    return blocking_stats(image, block_size, phase).bef


def psnr_b(reference, test, block_size: int = 8, phase: tuple[int, int] = (0, 0), shave: int = 0,
           y_channel: bool = True) -> float:
    """PSNR-B in dB (peak 1) of Yim & Bovik (2011): 10·log10(1 / (MSE + BEF(test))).

    Only the test image's blocking is penalised. ``y_channel`` measures BT.601 luma (the paper works on
    gray/luma); with ``y_channel=False`` MSE and BEF pool all channels. ``shave`` drops a border first while
    ``phase`` stays in full-image coordinates (the grid moves with the crop). Equals :func:`psnr` when BEF = 0.
    """
    block_size, py, px = _check_block_grid(block_size, phase)
    a, b = _luma_pair(reference, test, y_channel, "PSNR-B")
    a, b = shave_border(a, shave), shave_border(b, shave)
    mse = float(np.mean((a - b) ** 2))
    bef = blocking_effect_factor(b, block_size, ((py - shave) % block_size, (px - shave) % block_size))
    mse_b = mse + bef
    return float("inf") if mse_b == 0 else 10.0 * math.log10(1.0 / mse_b)


def _window_sums(arr: np.ndarray, box_h: int, box_w: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sums of ``arr`` (R, C) over the boxes box_h × box_w with top-left corners rows × cols (integral image)."""
    integral = np.zeros((arr.shape[0] + 1, arr.shape[1] + 1))
    integral[1:, 1:] = arr.cumsum(0).cumsum(1)
    r0, c0 = rows[:, None], cols[None, :]
    return integral[r0 + box_h, c0 + box_w] - integral[r0, c0 + box_w] - integral[r0 + box_h, c0] + integral[r0, c0]


def _blockiness_windows(image, block_size, phase, window, stride, y_channel):
    block_size, py, px = _check_block_grid(block_size, phase)
    x = np.asarray(image, dtype=np.float64)
    if y_channel and x.ndim == 3:
        if x.shape[-1] != 3:
            raise ValueError(f"y_channel blockiness needs RGB images (H, W, 3), got shape {x.shape}")
        x = rgb_to_y(x)
    x = _as_plane_stack(x)
    height, width, _ = x.shape
    if window is None:
        window = 2 * block_size
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window <= block_size:
        raise ValueError(f"window must be an integer > block_size={block_size} so that every window holds a "
                         f"block boundary, got {window!r}")
    if window > min(height, width):
        raise ValueError(f"window {window} does not fit in a {height}×{width} image")
    if stride is None:
        stride = window
    if isinstance(stride, bool) or not isinstance(stride, numbers.Integral) or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}")
    window, stride = int(window), int(stride)
    rows_b, cols_b = _boundary_masks(height, width, block_size, py, px)
    dh = ((x[:, 1:] - x[:, :-1]) ** 2).sum(-1)  # (H, W-1): pair (c, c+1)
    dv = ((x[1:] - x[:-1]) ** 2).sum(-1)  # (H-1, W): pair (r, r+1)
    mask_h = np.broadcast_to(cols_b[None, :], dh.shape).astype(np.float64)
    mask_v = np.broadcast_to(rows_b[:, None], dv.shape).astype(np.float64)
    r0 = np.arange(0, height - window + 1, stride)
    c0 = np.arange(0, width - window + 1, stride)
    # A window of L×L pixels holds the horizontal pairs of an L×(L−1) box of dh and the vertical pairs of an
    # (L−1)×L box of dv, both with the window's top-left corner.
    s_b = _window_sums(dh * mask_h, window, window - 1, r0, c0) + _window_sums(dv * mask_v, window - 1, window, r0, c0)
    s_all = _window_sums(dh, window, window - 1, r0, c0) + _window_sums(dv, window - 1, window, r0, c0)
    n_b = _window_sums(mask_h, window, window - 1, r0, c0) + _window_sums(mask_v, window - 1, window, r0, c0)
    n_all = 2.0 * window * (window - 1)
    channels = x.shape[-1]
    d_b = s_b / (n_b * channels)
    d_bc = (s_all - s_b) / ((n_all - n_b) * channels)
    return np.maximum(d_b - d_bc, 0.0), r0, c0


def blockiness_map(image, block_size: int = 8, phase: tuple[int, int] = (0, 0), window: int | None = None,
                   stride: int | None = None, y_channel: bool = True) -> np.ndarray:
    """Local blocking: max(0, D_B − D_B^c) inside each window (BEF without η, Yim & Bovik 2011).

    image: (H, W) gray or (H, W, 3) RGB (``y_channel``: measured on BT.601 luma, else channels pooled).
    window: side of the square windows, > block_size (default 2·block_size); stride: step between
    windows (default ``window``: non-overlapping tiles, any remainder at the bottom/right left out).
    Returns float64 (n_rows, n_cols); entry (i, j) is the window with top-left pixel (i·stride, j·stride).
    Same block-grid convention as :func:`blocking_stats`.
    """
    values, _, _ = _blockiness_windows(image, block_size, phase, window, stride, y_channel)
    return values


def blockiest_window(image, size: int, block_size: int = 8, phase: tuple[int, int] = (0, 0), stride: int = 1,
                     y_channel: bool = True) -> tuple[int, int]:
    """(row, col) of the top-left pixel of the size × size window with the highest local blocking.

    The measure is that of :func:`blockiness_map` with ``window=size``; windows start every ``stride`` pixels;
    the first maximum in row-major order wins.
    """
    values, r0, c0 = _blockiness_windows(image, block_size, phase, size, stride, y_channel)
    i, j = np.unravel_index(int(np.argmax(values)), values.shape)
    return int(r0[i]), int(c0[j])
