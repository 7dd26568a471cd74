"""The compressed-model audit: SR of every image × condition by the full model and its compressed copies,
per-patch disagreement, JPEG damage, own error and rarity, and their rank correlations
(see :mod:`explain.studies.compressed_models`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from ...evaluate import degrade, jpeg_quality
from ...images import downscale
from ...metrics import blocking_stats, rgb_to_y
from ...models import load_model
from ...models.names import JPEG_TWIN
from ...models.surgery import compressed_copy, describe_copy
from ...upscale import upscale
from .._common import check_scale, image_sources, load_hr, spearman
from .._latents import latent_grid
from .rarity import bank_sources, grid_tiles, knn_rarity, patch_descriptors
from .results import DEFAULT_CONDITIONS, PATCH, VARIANTS, VISIBLE, AuditResult


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    """Root-mean-square difference of two equally shaped arrays (float64)."""
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def _patch_blocking(patch: np.ndarray) -> float:
    """D_B − D_B^c of an RGB patch's luma on the 8×8 grid at phase (0, 0) (> 0: a visible grid)."""
    stats = blocking_stats(rgb_to_y(patch), 8, (0, 0))
    return float(stats.d_b - stats.d_bc)


def _bank_descriptors(full, sources, scale: int, crop, patch: int, conditions, progress: bool):
    """((B, 2C) latent descriptors of every tile of every bank image under every condition, their B image names);
    images too small for one patch (or for the crop) are skipped, ValueError when none is left."""
    bank_desc, bank_names = [], []
    for name, source in tqdm(sources, desc="rarity bank", disable=not progress):
        try:
            hr = load_hr(source, scale, crop)
        except ValueError:
            continue
        lr_clean = downscale(hr, scale)
        tiles = grid_tiles(*lr_clean.shape[:2], patch)
        if not tiles:
            continue
        for condition in conditions:
            bank_desc.append(patch_descriptors(latent_grid(full, degrade(lr_clean, condition)), tiles, patch))
            bank_names += [name] * len(tiles)
    if not bank_desc:
        raise ValueError("the rarity bank is empty: no bank image is large enough for one patch")
    return np.concatenate(bank_desc), bank_names


def _agreement(d: np.ndarray, psnr_vs_full: list[float], full_err: np.ndarray, copy_err: np.ndarray) -> dict:
    """A copy's agreement with the full model from its (P,) per-patch disagreement ``d`` (image units), its
    PSNR against the full SR per image × condition (dB) and the (P,) RMS errors of both against HR."""
    finite = [p for p in psnr_vs_full if math.isfinite(p)]
    return {"psnr_vs_full": float(np.mean(finite)) if finite else float("inf"),
            "mean": float(d.mean()), "median": float(np.median(d)), "p95": float(np.quantile(d, 0.95)),
            "max": float(d.max()), "visible": float((d > VISIBLE).mean()),
            "delta_psnr": float(np.mean(20 * np.log10(full_err / copy_err)))}


def audit(model=JPEG_TWIN, images=None, variants: Sequence[str] = VARIANTS, scale: int = 4,
          conditions: Sequence[str] = DEFAULT_CONDITIONS, crop: int | None = 256, patch: int = PATCH,
          bank=None, bank_images: int = 24, k: int = 5, top: int = 8, limit: int | None = None,
          tile: int | None = 256, seed: int = 0, progress: bool = True) -> AuditResult:
    """Audit compressed copies of ``model`` over LR patches (see the module docstring).

    images:     None (three bundled images), a folder or names / paths (``limit``: first N); each HR image
                is centre-cropped to ``crop`` (None: whole) and to a multiple of ``scale``.
    conditions: input degradations of the LR image ("clean" or "jpegQ": JPEG 4:2:0 at quality Q, grid phase 0).
    patch:      LR patch side, a multiple of 8 (patches tile the LR image from (0, 0), so they align with
                the JPEG grid).
    bank:       training-like images for the rarity bank: None (``../shared/data/train`` when present, else
                the bundled images not evaluated), a folder (``bank_images`` drawn with ``seed``) or a list.
                Bank patches get the same crop, scale and conditions; patches of an evaluated image never
                count as their own neighbours.
    """
    scale = check_scale(scale)
    for c in conditions:
        jpeg_quality(c)
    if not conditions:
        raise ValueError("give at least one input condition")
    if isinstance(patch, bool) or not isinstance(patch, int) or patch < 16 or patch % 8:
        raise ValueError(f"patch must be a multiple of 8 of at least 16 LR pixels, got {patch!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    full = load_model(model).eval()
    copies = {v: compressed_copy(full, v) for v in variants}
    if not copies:
        raise ValueError("give at least one compressed variant")
    sources = image_sources(images, limit)
    names = [n for n, _ in sources]

    pi, pc, boxes, blocking, jpeg_err, full_err, desc = [], [], [], [], [], [], []
    disagreement = {v: [] for v in copies}
    copy_err = {v: [] for v in copies}
    psnr_vs_full = {v: [] for v in copies}
    crops: dict = {"lr": [], "hr": [], "full": [], **{v: [] for v in copies}}
    bar = tqdm(total=len(sources) * len(conditions), desc="audit", disable=not progress)
    for i, (name, source) in enumerate(sources):
        hr = load_hr(source, scale, crop)
        lr_clean = downscale(hr, scale)
        tiles = grid_tiles(*lr_clean.shape[:2], patch)
        if not tiles:
            raise ValueError(f"{name}: the LR image {lr_clean.shape[:2]} holds no {patch}×{patch} patch")
        for j, condition in enumerate(conditions):
            lr = degrade(lr_clean, condition)
            sr_full = upscale(full, lr, size=hr.shape[:2], tile=tile)
            sr = {v: upscale(m, lr, size=hr.shape[:2], tile=tile) for v, m in copies.items()}
            for v in copies:
                mse = float(np.mean((sr[v].astype(np.float64) - sr_full) ** 2))
                psnr_vs_full[v].append(float("inf") if mse == 0 else 10 * math.log10(1 / mse))
            desc.append(patch_descriptors(latent_grid(full, lr), tiles, patch))
            s = scale
            for r, c in tiles:
                R, C, P = r * s, c * s, patch * s
                pi.append(i)
                pc.append(j)
                boxes.append((r, c, patch, patch))
                blocking.append(_patch_blocking(lr[r: r + patch, c: c + patch]))
                jpeg_err.append(_rms(lr[r: r + patch, c: c + patch], lr_clean[r: r + patch, c: c + patch]))
                full_err.append(_rms(sr_full[R: R + P, C: C + P], hr[R: R + P, C: C + P]))
                crops["lr"].append(lr[r: r + patch, c: c + patch])
                crops["hr"].append(hr[R: R + P, C: C + P])
                crops["full"].append(sr_full[R: R + P, C: C + P])
                for v in copies:
                    disagreement[v].append(_rms(sr[v][R: R + P, C: C + P], sr_full[R: R + P, C: C + P]))
                    copy_err[v].append(_rms(sr[v][R: R + P, C: C + P], hr[R: R + P, C: C + P]))
                    crops[v].append(sr[v][R: R + P, C: C + P])
            bar.update(1)
    bar.close()

    # rarity against training-like patches (latent descriptors of the full model)
    bank_desc_text, bank_src = bank_sources(bank, names, bank_images, seed)
    bank_arr, bank_names = _bank_descriptors(full, bank_src, scale, crop, patch, conditions, progress)
    queries = np.concatenate(desc)
    pi_arr = np.asarray(pi)
    exclude = np.asarray([[bn == names[i] for bn in bank_names] for i in pi_arr]) if set(bank_names) & set(names) \
        else None
    rarity = knn_rarity(queries, bank_arr, min(k, len(bank_arr)), exclude)

    variants = list(copies)
    dis = np.asarray([disagreement[v] for v in variants])
    full_err_arr = np.asarray(full_err)
    blocking_arr, jpeg_arr = np.asarray(blocking), np.asarray(jpeg_err)
    correlations, agreement, top_idx, top_patches = {}, {}, {}, {}
    for n, v in enumerate(variants):
        d = dis[n]
        correlations[v] = {"blocking": spearman(d, blocking_arr), "jpeg_error": spearman(d, jpeg_arr),
                           "rarity": spearman(d, rarity), "full_error": spearman(d, full_err_arr)}
        agreement[v] = _agreement(d, psnr_vs_full[v], full_err_arr, np.asarray(copy_err[v]))
        order = np.argsort(-d, kind="stable")[:top]
        top_idx[v] = order
        top_patches[v] = {key: np.asarray([crops[key][p] for p in order]) for key in ("lr", "hr", "full")}
        top_patches[v]["copy"] = np.asarray([crops[v][p] for p in order])
    params = dict(model=getattr(full, "name", "liif"), scale=scale, crop=crop, patch=patch, k=k, bank=bank_desc_text,
                  bank_patches=int(len(bank_arr)), seed=seed,
                  note="disagreement + latent rarity is a proxy for the memorisation scores of arXiv 2306.06238, "
                       "not those scores")
    return AuditResult(variants, {v: describe_copy(m, v) for v, m in copies.items()}, names, list(conditions),
                       pi_arr, np.asarray(pc), np.asarray(boxes), dis, full_err_arr,
                       np.asarray([copy_err[v] for v in variants]), blocking_arr, jpeg_arr, rarity, correlations,
                       agreement, top_idx, top_patches, params)
