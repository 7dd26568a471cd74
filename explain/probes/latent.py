"""Latent-feature probe: what the encoder's code grid holds and how it reacts to the 8×8 block grid.

The latent grid has one C-dimensional code per LR pixel (LIIF, Chen et al. 2021, Sec. 3.1). This probe
returns it (and the 3×3-unfolded grid the MLP actually reads, Sec. 3.3, on request) together with

* a PCA of the codes mapped to RGB (components 1–3 → R, G, B);
* per-channel statistics: variance, response to block boundaries and grid periodicity;
* clean-vs-compressed difference maps when a clean ``reference`` image of the same size is given.

Block-grid convention (``grid_phase`` = (pr, pc)): blocks start at rows ≡ pr and columns ≡ pc
(mod ``block_size``), i.e. a block boundary lies between LR rows r − 1 and r for every r ≡ pr. JPEG coded
at the LR size has phase (0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..models import LatentGrid
from ..models.base import require
from ._lr_query import block_phase, check_block_size, check_latents, evaluating, prepare


@dataclass
class LatentFeatures:
    """Latent grid of one LR image and its statistics (all numpy).

    features:                 (C, h, w) float32 latent codes (one per LR pixel).
    unfolded:                 (9C, h, w) the 3×3-unfolded grid (channel-major, c·9 + k), only if requested.
    pca_rgb:                  (h, w, 3) float in [0, 1]; principal components 1, 2, 3 of the codes as R, G, B,
                              each stretched between its 1st and 99th percentile.
    pca_components:           (3, C) unit principal axes (rows; zero rows if C < 3), sign fixed so the largest
                              |loading| is positive.
    explained_variance_ratio: (min(C, h·w),) descending share of the code variance per component.
    channel_variance:         (C,) variance of each channel over the grid.
    boundary_gradient:        (C,) mean |difference| of horizontally/vertically adjacent codes across block
                              boundaries.
    interior_gradient:        (C,) the same for adjacent pairs inside blocks.
    boundary_response:        (C,) boundary_gradient / interior_gradient (> 1: the channel jumps at block edges;
                              NaN if the grid has no boundary or no interior pairs).
    periodicity:              (C,) share of each channel's (non-DC) row and column spectrum energy at k/block
                              cycles per pixel, k = 1 … block − 1 (see :func:`periodicity_score`).
    periodicity_chance:       the score expected for white noise on this grid.
    top_variance, top_boundary, top_periodicity: (top_k,) channel indices, best first.
    difference_norm:          (h, w) per-pixel L2 norm of features − reference features (``reference`` given).
    channel_difference:       (C, h, w) signed features − reference features.
    channel_difference_mean:  (C,) mean |channel_difference| per channel.
    top_difference:           (top_k,) channels with the largest mean |difference|.
    """

    features: np.ndarray
    pca_rgb: np.ndarray
    pca_components: np.ndarray
    explained_variance_ratio: np.ndarray
    channel_variance: np.ndarray
    boundary_gradient: np.ndarray
    interior_gradient: np.ndarray
    boundary_response: np.ndarray
    periodicity: np.ndarray
    periodicity_chance: float
    top_variance: np.ndarray
    top_boundary: np.ndarray
    top_periodicity: np.ndarray
    block_size: int
    grid_phase: tuple[int, int]
    unfolded: np.ndarray | None = None
    difference_norm: np.ndarray | None = None
    channel_difference: np.ndarray | None = None
    channel_difference_mean: np.ndarray | None = None
    top_difference: np.ndarray | None = None

    @property
    def channels(self) -> int:
        return self.features.shape[0]

    @property
    def size(self) -> tuple[int, int]:
        return tuple(self.features.shape[1:])


# --------------------------------------------------------------------------------------- statistics
def _as_maps(maps, name: str = "maps") -> np.ndarray:
    a = np.asarray(maps, dtype=np.float64)
    if a.ndim < 2:
        raise ValueError(f"{name} must have shape (..., h, w), got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def _usable_length(n: int, block_size: int) -> int:
    """Longest prefix of an axis holding whole blocks; 0 if fewer than two blocks fit."""
    m = (n // block_size) * block_size
    return m if m >= 2 * block_size else 0


def periodicity_score(maps, block_size: int = 8) -> np.ndarray:
    """Share of spectral energy at the block frequency and its harmonics.

    maps: (..., h, w) real array. Along each axis that holds at least two blocks, every line is cut to a
    whole number m of blocks and Fourier transformed; the score is the energy in the bins k·m/block_size
    (frequencies k/block_size cycles per pixel, k = 1 … block_size − 1) divided by all non-DC energy, pooled
    over rows and columns. Returns (...) in [0, 1]: 1 for a map with period ``block_size`` along both axes,
    about :func:`periodicity_chance` for white noise, 0 for a constant map. The phase of the grid does not
    matter (power spectrum). Raises ValueError if neither axis holds two blocks.
    """
    block_size = check_block_size(block_size)
    a = _as_maps(maps)
    harmonic = np.zeros(a.shape[:-2])
    total = np.zeros(a.shape[:-2])
    used = False
    for axis in (-1, -2):
        m = _usable_length(a.shape[axis], block_size)
        if not m:
            continue
        used = True
        seg = np.take(a, np.arange(m), axis=axis)
        power = np.abs(np.fft.fft(seg, axis=axis)) ** 2
        power = np.moveaxis(power, axis, -1)  # (..., other, m)
        total += power[..., 1:].sum(axis=(-2, -1))
        harmonic += power[..., m // block_size:: m // block_size].sum(axis=(-2, -1))
    if not used:
        raise ValueError(f"maps of size {a.shape[-2:]} hold fewer than two {block_size}-pixel blocks along both axes")
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, harmonic / np.where(total > 0, total, 1.0), 0.0)
    return score


def periodicity_chance(shape: tuple[int, int], block_size: int = 8) -> float:
    """Expected :func:`periodicity_score` of white noise on an (h, w) grid: harmonic bins / non-DC bins."""
    block_size = check_block_size(block_size)
    h, w = shape
    num = den = 0.0
    for n, lines in ((w, h), (h, w)):
        m = _usable_length(n, block_size)
        if m:
            num += lines * (block_size - 1)
            den += lines * (m - 1)
    return num / den if den else float("nan")


def block_boundary_gradients(maps, block_size: int = 8, grid_phase=(0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """Mean |difference| of adjacent pixels across block boundaries and inside blocks.

    maps: (..., h, w). A horizontal pair (c − 1, c) crosses a boundary when c ≡ grid_phase[1]
    (mod block_size), a vertical pair (r − 1, r) when r ≡ grid_phase[0]. Pairs of both directions are pooled.
    Returns (boundary, interior), each (...); NaN where there are no such pairs.
    """
    block_size = check_block_size(block_size)
    pr, pc = block_phase(grid_phase)
    a = _as_maps(maps)
    h, w = a.shape[-2:]
    dx = np.abs(np.diff(a, axis=-1))  # pairs (c-1, c) for c = 1 … w-1
    dy = np.abs(np.diff(a, axis=-2))
    col_b = (np.arange(1, w) - pc) % block_size == 0
    row_b = (np.arange(1, h) - pr) % block_size == 0

    def mean_of(mask_x, mask_y):
        s = dx[..., mask_x].sum(axis=(-2, -1)) + dy[..., mask_y, :].sum(axis=(-2, -1))
        count = mask_x.sum() * h + mask_y.sum() * w
        return s / count if count else np.full(a.shape[:-2], np.nan)

    return mean_of(col_b, row_b), mean_of(~col_b, ~row_b)


def pca_rgb(features, percentile: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA of a (C, h, w) code grid → (rgb (h, w, 3) in [0, 1], components (3, C), explained ratios).

    Each pixel's code is a sample. Components are the top eigenvectors of the channel covariance, sign
    fixed so each one's largest |loading| is positive (deterministic colours). Projections are stretched
    between their ``percentile`` and 100 − ``percentile`` percentiles and clipped. With C < 3 the missing
    components are zero (a constant 0.5 plane).
    """
    f = _as_maps(features, "features")
    if f.ndim != 3:
        raise ValueError(f"features must be (C, h, w), got {f.shape}")
    c, h, w = f.shape
    x = f.reshape(c, -1).T
    x = x - x.mean(axis=0)
    cov = x.T @ x / max(x.shape[0], 1)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    n_keep = min(c, h * w)
    total = evals.sum()
    ratios = evals[:n_keep] / total if total > 0 else np.zeros(n_keep)
    comps = np.zeros((3, c))
    k = min(3, c)
    comps[:k] = evecs[:, :k].T
    for i in range(k):
        j = np.argmax(np.abs(comps[i]))
        if comps[i, j] < 0:
            comps[i] = -comps[i]
    proj = x @ comps.T  # (h·w, 3)
    rgb = np.full_like(proj, 0.5)
    for i in range(k):
        lo, hi = np.percentile(proj[:, i], [percentile, 100 - percentile])
        if hi > lo:
            rgb[:, i] = np.clip((proj[:, i] - lo) / (hi - lo), 0, 1)
    return rgb.reshape(h, w, 3).astype(np.float32), comps.astype(np.float32), ratios.astype(np.float32)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (NaN last), ties broken by index."""
    key = np.where(np.isnan(scores), -np.inf, scores)
    return np.argsort(-key, kind="stable")[:k].astype(np.int64)


# ------------------------------------------------------------------------------------------- probe
def _features_of(model, x: torch.Tensor, latents: LatentGrid | None, name: str) -> torch.Tensor:
    if latents is None:
        latents = model.encode(x)
    else:
        latents = check_latents(latents, tuple(x.shape[-2:]), model, name)
    return latents.features


def latent_features(model, lr, *, top_k: int = 8, block_size: int = 8, grid_phase=(0, 0), reference=None,
                    latents: LatentGrid | None = None, unfolded: bool = False) -> LatentFeatures:
    """Latent codes of ``lr`` and their statistics.

    model:      a model of any family (LIIF or another, see :mod:`explain.models.base`), a shipped model name
                or a checkpoint path.
    lr:         the (compressed) LR image, anything :func:`explain.load_image` accepts, (h, w, 3) in [0, 1].
    top_k:      how many channels to rank in each ``top_*`` list.
    block_size, grid_phase: the compression block grid in LR pixels (see the module docstring).
    reference:  optional clean image of the same size (or its LatentGrid): adds difference maps
                (features of ``lr`` minus features of ``reference``).
    latents:    ``model.encode(lr)`` if already computed (batch 1), so the image is not encoded again.
    unfolded:   also return the unfolded grid (LIIF: 3×3, (9C, h, w); memory: 9× the features); only for a
                model that declares unfolding.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    block_size = check_block_size(block_size)
    grid_phase = block_phase(grid_phase)
    model, image, x = prepare(model, lr)
    if unfolded:
        require(model, "unfold", "latent_features(unfolded=True)")
    with evaluating(model):
        feats_t = _features_of(model, x, latents, "latents")
        unfolded_np = model.unfold(feats_t)[0].detach().float().cpu().numpy() if unfolded else None
        ref_t = None
        if reference is not None:
            if isinstance(reference, LatentGrid):
                ref_t = _features_of(model, x, reference, "reference")
            else:
                _, ref_img, ref_x = prepare(model, reference)
                if ref_img.shape != image.shape:
                    raise ValueError(f"reference image has shape {ref_img.shape}, the LR image {image.shape}")
                ref_t = model.encode(ref_x).features
    feats = feats_t[0].detach().float().cpu().numpy()
    k = min(top_k, feats.shape[0])

    rgb, comps, ratios = pca_rgb(feats)
    variance = feats.reshape(feats.shape[0], -1).var(axis=1)
    boundary, interior = block_boundary_gradients(feats, block_size, grid_phase)
    scale = float(np.nanmean(interior)) if np.isfinite(interior).any() else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        response = boundary / (interior + 1e-6 * scale + 1e-12)
    if max(feats.shape[1:]) >= 2 * block_size:  # at least one axis holds two blocks
        periodicity = periodicity_score(feats, block_size)
    else:
        periodicity = np.full(feats.shape[0], np.nan)
    result = LatentFeatures(
        features=feats, pca_rgb=rgb, pca_components=comps, explained_variance_ratio=ratios,
        channel_variance=variance.astype(np.float32), boundary_gradient=boundary.astype(np.float32),
        interior_gradient=interior.astype(np.float32), boundary_response=response.astype(np.float32),
        periodicity=periodicity.astype(np.float32),
        periodicity_chance=periodicity_chance(feats.shape[1:], block_size),
        top_variance=_top(variance, k), top_boundary=_top(response, k), top_periodicity=_top(periodicity, k),
        block_size=block_size, grid_phase=grid_phase, unfolded=unfolded_np,
    )
    if ref_t is not None:
        diff = feats - ref_t[0].detach().float().cpu().numpy()
        result.channel_difference = diff
        result.difference_norm = np.sqrt((diff.astype(np.float64) ** 2).sum(axis=0)).astype(np.float32)
        result.channel_difference_mean = np.abs(diff).mean(axis=(1, 2)).astype(np.float32)
        result.top_difference = _top(result.channel_difference_mean, k)
    return result
