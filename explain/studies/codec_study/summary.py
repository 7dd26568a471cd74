"""Summaries of the codec study's rows: the encodes matched to a target rate, the image-mean curve points, and
the tables behind the Markdown (plain dicts of floats)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .results import BICUBIC, DECODED, HEADLINE_BPPS, AttributionRow, CodecRow, CodecStudy, CurvePoint
from .settings import check_bpps


def select_matched(rows: Sequence[CodecRow], target_bpp: float, tolerance: float = 0.15) -> list[CodecRow]:
    """Rows of the encode closest to ``target_bpp`` per (image, codec), all methods; an (image, codec) whose
    closest encode misses the target by more than ``tolerance``·target is left out."""
    if not (isinstance(tolerance, (int, float)) and tolerance >= 0):
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    target = check_bpps([target_bpp], "target_bpp")[0]
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for row in rows:
        key = (row.image, row.codec)
        gap = abs(row.bpp - target)
        if key not in best or gap < best[key][0]:
            best[key] = (gap, row.point)
    keep = {k: p for k, (gap, p) in best.items() if gap <= tolerance * target}
    return [r for r in rows if keep.get((r.image, r.codec)) == r.point]


def curve_points(rows: Sequence[CodecRow]) -> list[CurvePoint]:
    """Image means of the rows per (codec, point, method), in the order the rows first name them."""
    groups: dict[tuple[str, str, str], list[CodecRow]] = {}
    for row in rows:
        groups.setdefault((row.codec, row.point, row.method), []).append(row)
    out = []
    keys = ("bpp", "psnr_y", "ssim", "psnr_b", "bef", "block_ratio")
    for (codec, point, method), group in groups.items():
        means = {k: float(np.mean([getattr(r, k) for r in group])) for k in keys}
        out.append(CurvePoint(codec, point, method, len(group), **means))
    return out


def matched_summary(study: CodecStudy, targets: Sequence[float] = HEADLINE_BPPS,
                    tolerance: float | None = None) -> list[dict]:
    """Per target rate × codec × method: image means over the matched encodes (see :func:`select_matched`).

    Each dict: target_bpp, codec, method, images, bpp, psnr_y, ssim, psnr_b, bef, block_ratio, and for SR
    methods ``gain`` = PSNR-Y − bicubic PSNR-Y (dB) on the same images.
    """
    tolerance = study.params.get("tolerance", 0.15) if tolerance is None else tolerance
    out = []
    for target in check_bpps(targets, "targets"):
        chosen = select_matched(study.rows, target, tolerance)
        for codec in study.codecs:
            base = {r.image: r.psnr_y for r in chosen if r.codec == codec and r.method == BICUBIC}
            for method in study.methods:
                group = [r for r in chosen if r.codec == codec and r.method == method]
                if not group:
                    continue
                entry = {"target_bpp": target, "codec": codec, "method": method, "images": len(group)}
                for key in ("bpp", "psnr_y", "ssim", "psnr_b", "bef", "block_ratio"):
                    entry[key] = float(np.mean([getattr(r, key) for r in group]))
                entry["gain"] = float(np.mean([r.psnr_y - base[r.image] for r in group])) \
                    if method not in (DECODED, BICUBIC) and all(r.image in base for r in group) else float("nan")
                out.append(entry)
    return out


def attribution_summary(study: CodecStudy) -> list[dict]:
    """Means over images of the attribution rows per (target_bpp, codec, model)."""
    groups: dict[tuple[float, str, str], list[AttributionRow]] = {}
    for row in study.attribution:
        groups.setdefault((row.target_bpp, row.codec, row.model), []).append(row)
    out = []
    for (target, codec, model), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][2])):
        entry = {"target_bpp": target, "codec": codec, "model": model, "images": len(group)}
        for key in ("bpp", "di_receptive", "own", "neighbours", "beyond", "boundary_enrichment"):
            entry[key] = float(np.nanmean([getattr(r, key) for r in group]))
        out.append(entry)
    return out
