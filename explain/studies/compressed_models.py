"""Compressed-model audit: where do fp16, int8 and pruned copies of a LIIF model stop agreeing with it?

After Hooker et al.-style long-tail analyses, here "Understanding the Effect of the Long Tail on Neural
Network Compression" (arXiv 2306.06238): compression costs little on average but concentrates its damage on
rare, memorised examples. We build compressed copies of a model

* ``fp16``: every parameter and activation in half precision (``model.half()``; CPU half kernels);
* ``int8``: dynamic int8 quantisation of the MLP decoder (``torch.ao.quantization.quantize_dynamic`` on
  ``nn.Linear``, per-tensor weights, activations quantised on the fly). PyTorch's dynamic quantisation
  covers Linear (and recurrent) layers only, not ``nn.Conv2d``, so **the convolutional encoder stays
  float32**. The MLP's first layer is read by LIIF's query as a convolution kernel (its code part is
  evaluated on the whole latent grid), so that layer gets int8 *weights* (symmetric per-tensor
  round-to-nearest) with float activations; layers 2… are true dynamically quantised Linear modules;
* ``pruneNN``: global magnitude pruning, the NN % smallest-magnitude weights of all Conv2d and Linear layers
  together set to zero (biases kept), the exact count round(NN % · #weights). A global threshold prunes
  layers with small weights hardest: the last MLP layer of a model with a bicubic skip starts at zero and
  stays small, so it can be pruned away entirely, leaving plain bicubic (:func:`describe_copy` lists each
  layer's sparsity);
* ``lpruneNN``: layer-wise magnitude pruning, NN % of every layer's own weights, for comparison;

and measure, over LR patches of a benchmark set (grid-aligned 16×16 LR tiles of JPEG-coded images), the
per-patch disagreement: RMS difference of the copy's ×s SR output from the full model's on the patch's HR
window. Disagreement is then correlated (Spearman) with the local JPEG damage (D_B − D_B^c of the decoded
LR patch on the 8×8 grid, and RMSE of the decoded against the clean LR patch), the patch's rarity
(mean distance to its k nearest neighbours among latent descriptors of training-like patches) and the full
model's own error against the HR image.

**Disagreement and latent-space rarity are a proxy for the paper's memorisation scores, not those scores**:
the paper estimates memorisation from models trained with and without each example; nothing here retrains a
model. A positive rarity–disagreement correlation is consistent with "compression hurts the long tail"
but does not show memorisation.
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..evaluate import IMAGE_SUFFIXES, atomic_write_text, degrade, jpeg_quality
from ..fileio import staged_folder
from ..images import DEFAULT_IMAGES, downscale
from ..metrics import blocking_stats, rgb_to_y
from ..models import LIIF, load_model
from ..models.names import JPEG_TWIN
from ..paths import shared_data
from ..upscale import upscale
from ._common import check_scale, fmt, image_sources, images_from_args, load_hr, save_figure, spearman, write_json

VARIANTS = ("fp16", "int8", "prune50", "prune70", "prune90")
DEFAULT_CONDITIONS = ("jpeg10", "jpeg30", "jpeg50")
TRAIN_ROOT = shared_data("train")  # None in an installed copy
PATCH = 16  # LR pixels per patch side: 2×2 JPEG blocks
VISIBLE = 1.0 / 255.0  # RMS disagreement of one 8-bit grey level


# --------------------------------------------------------------------------------------------- copies
def prunable_weights(model: nn.Module) -> list[torch.Tensor]:
    """The weight tensors of every Conv2d and Linear layer (what global magnitude pruning ranks)."""
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def sparsity(model: nn.Module) -> float:
    """Fraction of exactly-zero entries among :func:`prunable_weights` (0 for a model with none)."""
    weights = prunable_weights(model)
    total = sum(w.numel() for w in weights)
    return float(sum(int((w == 0).sum()) for w in weights) / total) if total else 0.0


def _zero_smallest(weights: list[torch.Tensor], amount: float) -> None:
    """Zero the round(amount · N) smallest-|w| entries among ``weights`` (N entries in all; ties by position)."""
    flat = torch.cat([w.detach().abs().flatten().float() for w in weights])
    k = int(round(amount * flat.numel()))
    keep = torch.ones_like(flat, dtype=torch.bool)
    if k:
        keep[torch.argsort(flat, stable=True)[:k]] = False
    with torch.no_grad():
        start = 0
        for w in weights:
            n = w.numel()
            w.mul_(keep[start: start + n].view_as(w).to(w.dtype))
            start += n


def magnitude_prune(model: LIIF, amount: float, scope: str = "global") -> LIIF:
    """A copy of ``model`` with the smallest-|w| weights of its Conv2d / Linear layers set to zero.

    scope "global": round(amount · N) of all N weights ranked together; "layer": round(amount · n) of each
    layer's own n weights. Ties are broken by position, so the counts are exact; biases are kept.
    """
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount < 1:
        raise ValueError(f"pruning amount must be a fraction in [0, 1), got {amount!r}")
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    pruned = copy.deepcopy(model)
    weights = prunable_weights(pruned)
    for group in ([weights] if scope == "global" else [[w] for w in weights]):
        _zero_smallest(group, amount)
    return pruned


def half_copy(model: LIIF) -> LIIF:
    """A float16 copy (parameters and, through :func:`explain.upscale`, inputs and activations)."""
    return copy.deepcopy(model).half()


def _int8_weight(weight: torch.Tensor) -> torch.Tensor:
    """Symmetric per-tensor int8 round-to-nearest of a weight, returned dequantised (float)."""
    peak = float(weight.abs().max())
    if peak == 0:
        return weight.clone()
    step = peak / 127.0
    return torch.clamp(torch.round(weight / step), -127, 127) * step


def int8_copy(model: LIIF) -> LIIF:
    """A copy whose MLP decoder is int8 (see the module docstring): layer 1 int8 weights, layers 2… dynamically
    quantised ``nn.Linear``; the encoder stays float32 (PyTorch has no dynamic quantisation for Conv2d)."""
    from torch.ao.quantization import quantize_dynamic

    quant = copy.deepcopy(model).float()
    layers = quant.imnet.layers
    with torch.no_grad():
        layers[0].weight.copy_(_int8_weight(layers[0].weight))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice pointing to torchao
        rest = quantize_dynamic(nn.Sequential(*list(layers)[1:]), {nn.Linear}, dtype=torch.qint8)
    quant.imnet.layers = nn.Sequential(layers[0], *rest)
    return quant


def compressed_copy(model, kind: str) -> LIIF:
    """``"fp16"``, ``"int8"``, ``"pruneNN"`` (global) or ``"lpruneNN"`` (layer-wise), NN in 1–99: a compressed copy
    of ``model`` in eval mode; ``model`` is untouched."""
    model = load_model(model)
    prune = re.fullmatch(r"(l?)prune(\d{1,2})", kind) if isinstance(kind, str) else None
    if kind == "fp16":
        out = half_copy(model)
    elif kind == "int8":
        out = int8_copy(model)
    elif prune and 0 < int(prune.group(2)) < 100:
        out = magnitude_prune(model, int(prune.group(2)) / 100.0, "layer" if prune.group(1) else "global")
    else:
        raise ValueError(f"unknown compression {kind!r}; use fp16, int8, pruneNN or lpruneNN (e.g. prune70)")
    out.name = f"{getattr(model, 'name', 'liif')}-{kind}"
    return out.eval()


def describe_copy(model: LIIF, kind: str) -> dict:
    """What a copy is: parameter dtype, sparsity of the prunable weights (overall and per layer, with the layers
    that lost ≥ 99 % of their weights), and which parts are int8."""
    layers = {name: float((m.weight == 0).float().mean()) for name, m in model.named_modules()
              if isinstance(m, (nn.Conv2d, nn.Linear))}
    info = {"kind": kind, "sparsity": sparsity(model), "layer_sparsity": layers,
            "emptied_layers": [name for name, s in layers.items() if s >= 0.99]}
    if kind == "fp16":
        info.update(dtype="float16", quantised="everything in float16")
    elif kind == "int8":
        info.update(dtype="int8 MLP / float32 encoder",
                    quantised="MLP: layer 1 int8 weights, later layers dynamic int8; encoder float32 "
                              "(no dynamic quantisation for Conv2d in PyTorch)")
    else:
        info.update(dtype="float32", quantised="none")
    return info


# --------------------------------------------------------------------------------------------- patches
def _tiles(h: int, w: int, patch: int) -> list[tuple[int, int]]:
    return [(r, c) for r in range(0, h - patch + 1, patch) for c in range(0, w - patch + 1, patch)]


def patch_descriptors(features: np.ndarray, tiles, patch: int) -> np.ndarray:
    """Latent descriptor of each tile: per-channel mean and standard deviation of the codes, (T, 2C)."""
    out = []
    for r, c in tiles:
        block = features[:, r: r + patch, c: c + patch].reshape(features.shape[0], -1)
        out.append(np.concatenate([block.mean(1), block.std(1)]))
    return np.asarray(out, dtype=np.float64)


def _encode(model: LIIF, lr: np.ndarray) -> np.ndarray:
    param = next(model.parameters())
    x = torch.from_numpy(lr).permute(2, 0, 1).unsqueeze(0).to(param.device, param.dtype)
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.encode(x).features[0].float().cpu().numpy()
    finally:
        model.train(was)


def knn_rarity(queries: np.ndarray, bank: np.ndarray, k: int = 5, exclude: np.ndarray | None = None) -> np.ndarray:
    """Mean Euclidean distance of each query to its ``k`` nearest bank rows after standardising every
    dimension with the bank's mean and std (large = rare, a k-NN inverse density). ``exclude`` (Q, B) bool
    marks bank rows a query may not use (e.g. patches of the same image)."""
    queries, bank = np.asarray(queries, np.float64), np.asarray(bank, np.float64)
    if queries.ndim != 2 or bank.ndim != 2 or queries.shape[1] != bank.shape[1]:
        raise ValueError(f"queries (Q, D) and bank (B, D) must share D, got {queries.shape} and {bank.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= bank.shape[0]:
        raise ValueError(f"k must be an integer in [1, bank size {bank.shape[0]}], got {k!r}")
    mu, sd = bank.mean(0), bank.std(0)
    sd[sd == 0] = 1.0
    q, b = (queries - mu) / sd, (bank - mu) / sd
    d2 = (q ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2.0 * q @ b.T
    dist = np.sqrt(np.maximum(d2, 0.0))
    if exclude is not None:
        dist = np.where(exclude, np.inf, dist)
    near = np.sort(dist, axis=1)[:, :k]
    if not np.isfinite(near).all():
        raise ValueError(f"fewer than k={k} usable bank rows for some query")
    return near.mean(1)


def _bank_sources(bank, evaluated: Sequence[str], bank_images: int, seed: int) -> tuple[str, list]:
    """(description, [(name, source)]) of the training-like images for the rarity bank."""
    if bank is None:
        if TRAIN_ROOT is not None and TRAIN_ROOT.is_dir():
            bank = TRAIN_ROOT
        else:
            names = [n for n in DEFAULT_IMAGES if n not in evaluated]
            return "bundled images not evaluated", [(n, n) for n in names[:bank_images]]
    if isinstance(bank, (str, os.PathLike)) and str(bank) not in DEFAULT_IMAGES and not Path(bank).exists():
        raise ValueError(f"rarity bank {str(bank)!r} is neither a folder, an image file nor a bundled image name")
    if isinstance(bank, (str, os.PathLike)) and Path(bank).is_dir():
        files = sorted(p for p in Path(bank).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"bank folder {bank} holds no images")
        rng = np.random.default_rng(seed)
        pick = sorted(rng.choice(len(files), size=min(bank_images, len(files)), replace=False))
        return f"{len(pick)} of {len(files)} images under {bank}", [(files[i].stem, files[i]) for i in pick]
    return "given images", image_sources(bank, bank_images, prefix="bank")


# --------------------------------------------------------------------------------------------- audit
@dataclass
class AuditResult:
    """Per-patch disagreement of compressed copies with the full model (all arrays numpy).

    variants:      copy names (order of the first axis of ``disagreement``); ``copies``: their descriptions.
    images, conditions: the evaluated image names and input conditions ("jpegQ" / "clean").
    patch_image, patch_condition: (P,) indices into ``images`` / ``conditions``.
    patch_box:     (P, 4) LR (row, col, height, width) of each patch.
    disagreement:  (V, P) RMS of copy SR − full SR over the patch's HR window (image units; 1/255 = one grey
                   level).
    full_error:    (P,) RMS of full SR − HR on the patch (the model's own error).
    copy_error:    (V, P) the same for each copy.
    blocking:      (P,) D_B − D_B^c (Y, 8×8 grid) of the decoded LR patch (unclipped; > 0: a visible grid).
    jpeg_error:    (P,) RMS of decoded − clean LR on the patch.
    rarity:        (P,) :func:`knn_rarity` of the patch's latent descriptor against the bank.
    correlations:  {variant: {"blocking" | "jpeg_error" | "rarity" | "full_error": Spearman ρ}}.
    agreement:     {variant: {"psnr_vs_full": mean over images of PSNR(copy SR, full SR) in dB,
                   "mean", "median", "p95", "max": disagreement over patches (image units),
                   "visible": share of patches above 1/255, "delta_psnr": mean PSNR change vs HR (copy − full)}}.
    top:           {variant: (k,) patch indices, most disagreeing first}; ``top_patches``: {variant: {"lr",
                   "full", "copy", "hr"}} crops of those patches (k, ·, ·, 3).
    """

    variants: list[str]
    copies: dict
    images: list[str]
    conditions: list[str]
    patch_image: np.ndarray
    patch_condition: np.ndarray
    patch_box: np.ndarray
    disagreement: np.ndarray
    full_error: np.ndarray
    copy_error: np.ndarray
    blocking: np.ndarray
    jpeg_error: np.ndarray
    rarity: np.ndarray
    correlations: dict
    agreement: dict
    top: dict
    top_patches: dict
    params: dict = field(default_factory=dict)


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def _patch_blocking(patch: np.ndarray) -> float:
    stats = blocking_stats(rgb_to_y(patch), 8, (0, 0))
    return float(stats.d_b - stats.d_bc)


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
        tiles = _tiles(*lr_clean.shape[:2], patch)
        if not tiles:
            raise ValueError(f"{name}: the LR image {lr_clean.shape[:2]} holds no {patch}×{patch} patch")
        for j, condition in enumerate(conditions):
            lr = degrade(lr_clean, condition)
            sr_full = upscale(full, lr, size=hr.shape[:2], tile=tile)
            sr = {v: upscale(m, lr, size=hr.shape[:2], tile=tile) for v, m in copies.items()}
            for v in copies:
                mse = float(np.mean((sr[v].astype(np.float64) - sr_full) ** 2))
                psnr_vs_full[v].append(float("inf") if mse == 0 else 10 * math.log10(1 / mse))
            desc.append(patch_descriptors(_encode(full, lr), tiles, patch))
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
    bank_desc_text, bank_src = _bank_sources(bank, names, bank_images, seed)
    bank_desc, bank_names = [], []
    for name, source in tqdm(bank_src, desc="rarity bank", disable=not progress):
        try:
            hr = load_hr(source, scale, crop)
        except ValueError:
            continue
        lr_clean = downscale(hr, scale)
        tiles = _tiles(*lr_clean.shape[:2], patch)
        if not tiles:
            continue
        for condition in conditions:
            bank_desc.append(patch_descriptors(_encode(full, degrade(lr_clean, condition)), tiles, patch))
            bank_names += [name] * len(tiles)
    if not bank_desc:
        raise ValueError("the rarity bank is empty: no bank image is large enough for one patch")
    bank_arr = np.concatenate(bank_desc)
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
        finite = [p for p in psnr_vs_full[v] if math.isfinite(p)]
        agreement[v] = {"psnr_vs_full": float(np.mean(finite)) if finite else float("inf"),
                        "mean": float(d.mean()), "median": float(np.median(d)), "p95": float(np.quantile(d, 0.95)),
                        "max": float(d.max()), "visible": float((d > VISIBLE).mean()),
                        "delta_psnr": float(np.mean(20 * np.log10(full_err_arr / np.asarray(copy_err[v]))))}
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


# --------------------------------------------------------------------------------------------- reporting
def render_markdown(result: AuditResult) -> str:
    p = result.params
    lines = [f"## Compressed-model audit of {p['model']} (×{p['scale']}, {len(result.disagreement[0])} patches of "
             f"{p['patch']}×{p['patch']} LR px from {len(result.images)} images × {', '.join(result.conditions)})",
             "",
             "Disagreement = RMS of copy SR − full SR on a patch's HR window, in 8-bit grey levels (×255). "
             "Spearman ρ of disagreement with local JPEG blocking (D_B − D_B^c), JPEG error, latent rarity "
             f"(k={p['k']} nearest of {p['bank_patches']} bank patches: {p['bank']}) and the full model's error.",
             "", "**Proxy, not memorisation**: disagreement + rarity stand in for the memorisation scores of "
             "arXiv 2306.06238 (which need retrained models); read correlations as consistent-with, not proof.", "",
             "| copy | sparsity | PSNR vs full (dB) | mean | p95 | max | > 1 level | ΔPSNR vs HR (dB) | "
             "ρ blocking | ρ JPEG err | ρ rarity | ρ own error |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in result.variants:
        a, c = result.agreement[v], result.correlations[v]
        lines.append(f"| {v} | {100 * result.copies[v]['sparsity']:.1f} % | {fmt(a['psnr_vs_full'], 1)} | "
                     f"{fmt(255 * a['mean'], 3)} | {fmt(255 * a['p95'], 3)} | {fmt(255 * a['max'], 3)} | "
                     f"{100 * a['visible']:.1f} % | {a['delta_psnr']:+.3f} | {fmt(c['blocking'])} | "
                     f"{fmt(c['jpeg_error'])} | {fmt(c['rarity'])} | {fmt(c['full_error'])} |")
    lines += ["", "int8: " + result.copies.get("int8", {}).get("quantised", "not run")]
    for v in result.variants:
        emptied = result.copies[v].get("emptied_layers")
        if emptied:
            lines.append(f"{v}: layers with ≥ 99 % of their weights pruned: {', '.join(emptied)}")
    return "\n".join(lines) + "\n"


def write_audit(result: AuditResult, out_dir) -> dict[str, Path]:
    """audit.json (summary + per-patch arrays), audit.md, and figures top_<variant>.png and correlations.png."""
    from ..figures.studies import plot_audit_scatter, plot_top_disagreements

    names = {"json": "audit.json", "markdown": "audit.md", "scatter": "correlations.png"}
    with staged_folder(out_dir) as stage:
        write_json({"params": result.params, "copies": result.copies, "agreement": result.agreement,
                    "correlations": result.correlations, "images": result.images, "conditions": result.conditions,
                    "patches": {"image": result.patch_image, "condition": result.patch_condition,
                                "box": result.patch_box, "blocking": result.blocking, "jpeg_error": result.jpeg_error,
                                "rarity": result.rarity, "full_error": result.full_error,
                                "disagreement": dict(zip(result.variants, result.disagreement))},
                    "top": result.top}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(result))
        save_figure(plot_audit_scatter(result), stage / names["scatter"])
        for v in result.variants:
            names[f"top_{v}"] = f"top_{v}.png"
            save_figure(plot_top_disagreements(result, v), stage / names[f"top_{v}"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}


def add_arguments(parser) -> None:
    """Options of ``liif-explain audit``."""
    parser.add_argument("--model", default=JPEG_TWIN, help="shipped name or checkpoint (default: %(default)s)")
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        help="fp16, int8, pruneNN (global magnitude), lpruneNN (layer-wise)")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--conditions", nargs="+", default=list(DEFAULT_CONDITIONS), help="clean and/or jpegQ")
    parser.add_argument("--crop", type=int, default=256, help="central HR crop side (0: whole image)")
    parser.add_argument("--bank", default=None, help="folder of training-like images for rarity "
                                                     f"(default: {TRAIN_ROOT} when present, else bundled images)")
    parser.add_argument("--bank-images", type=int, default=24)
    parser.add_argument("--k", type=int, default=5, help="neighbours for the rarity score")
    parser.add_argument("--top", type=int, default=8, help="patches shown per copy")
    parser.add_argument("--out", default="out/audit")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> AuditResult:
    """Run ``liif-explain audit``: writes OUT/audit.{json,md} and figures, prints the table."""
    images = images_from_args(args.images)
    result = audit(args.model, images=images, variants=args.variants, scale=args.scale, conditions=args.conditions,
                   crop=args.crop or None, bank=args.bank, bank_images=args.bank_images, k=args.k, top=args.top,
                   limit=args.limit, progress=not args.no_progress)
    paths = write_audit(result, args.out)
    print(render_markdown(result))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return result
