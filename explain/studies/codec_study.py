"""Codec study: what JPEG, WebP, JPEG 2000 and AVIF leave in an LR image, and what SR makes of it.

For every image × codec × setting (a quality grid, or target bit rates matched by
:func:`explain.codecs.compress_to_bpp`) the clean LR image (PIL bicubic ×s downscale of the HR image, the
benchmark protocol of :mod:`explain.evaluate`) is coded, and we measure

* the rate: bits per pixel of the LR image, all channels (``bpp`` = 8·bytes / (h·w), container headers
  included — on small images the JPEG header alone is ~600 bytes, so low rates need large LR images; this is
  why the default scale is ×2);
* the decoded LR against the clean LR: PSNR-Y, SSIM (Y), PSNR-B (8×8 grid), and the blocking measure of the
  decoded LR on the 8×8 grid at phase (0, 0): BEF of Yim & Bovik (2011) and the plain ratio D_B / D_B^c of
  the mean squared steps across block boundaries to those inside blocks (1 = no grid; JPEG's phase-locked
  grid gives > 1, codecs that blur give ≈ 1 or < 1);
* the ×s upscales (bicubic and each model) against the HR image: PSNR-Y, SSIM, PSNR-B (8·s grid), BEF;
* rate–distortion curves (image-mean bpp vs image-mean metric per setting) and Bjøntegaard deltas between
  codecs (:func:`bd_rate`, :func:`bd_metric`);
* attribution statistics at matched bit rate: LAM (:func:`explain.attribute`, few steps) of each model on
  the blockiest 16×16 LR window (found on the reference codec's decode at that rate, and used for every codec
  so that the codecs are compared on the same content): Diffusion Index and the shares of attribution in the
  window's own 8×8 blocks and in the ring of neighbouring blocks.

Rows are plain dataclasses; :func:`write_study` writes CSV, JSON, Markdown and the RD figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..codecs import available_codecs, compress, compress_to_bpp, resolve_settings
from ..evaluate import atomic_write_text, measure
from ..fileio import staged_folder
from ..images import downscale, upscale_bicubic
from ..metrics import blockiest_window, blocking_stats, psnr_b, psnr_y, rgb_to_y, ssim
from ..models.names import DEFAULT_MODELS
from ..upscale import upscale
from ._common import (
    check_scale,
    fmt,
    image_sources,
    images_from_args,
    load_hr,
    load_models,
    parse_models,
    save_figure,
    write_json,
    write_rows_csv,
)

DEFAULT_TARGET_BPPS = (0.3, 0.45, 0.6, 0.9)
HEADLINE_BPPS = (0.3, 0.6)
DEFAULT_SCALE = 2
DECODED = "decoded"  # method name of the rows that measure the decoded LR image against the clean LR image
BICUBIC = "bicubic"
ATTRIBUTION_WINDOW = 16  # LR pixels: a 2×2 group of 8×8 blocks, with block boundaries through its middle


# ------------------------------------------------------------------------------------------------ rows
@dataclass
class CodecRow:
    """One measurement: an image coded by one codec at one setting, measured for one method.

    method:      ``"decoded"`` (decoded LR vs clean LR, block grid 8), ``"bicubic"`` or a model label
                 (×s upscale of the decoded LR vs the HR image, s-pixel shave, block grid 8·s).
    point:       the curve point: ``"0.3 bpp"`` (target mode) or the settings label (grid mode).
    target_bpp:  the requested rate (NaN in grid mode); ``matched``: |bpp − target| ≤ tolerance·target.
    bpp, nbytes: the coded LR stream's rate and size.
    psnr_y, psnr_b in dB (peak 1, BT.601 Y); ssim on Y.
    bef:         BEF (Y, [0, 1]² units) of the measured image on its grid; ``block_ratio`` = D_B / D_B^c.
    bef_reference, block_ratio_reference: the same of the reference image (clean LR or HR): the level that
                 the content alone gives.
    """

    image: str
    codec: str
    point: str
    settings: str
    target_bpp: float
    bpp: float
    nbytes: int
    matched: bool
    method: str
    psnr_y: float
    ssim: float
    psnr_b: float
    bef: float
    block_ratio: float
    bef_reference: float
    block_ratio_reference: float


@dataclass
class CurvePoint:
    """Image means of one (codec, point, method): one point of a rate–distortion curve."""

    codec: str
    point: str
    method: str
    images: int
    bpp: float
    psnr_y: float
    ssim: float
    psnr_b: float
    bef: float
    block_ratio: float


@dataclass
class BDResult:
    """Bjøntegaard deltas of ``codec`` against ``reference`` for one method's ``metric`` curve.

    bd_rate:   average rate difference at equal quality in percent (negative: ``codec`` needs fewer bits).
    bd_metric: average quality difference at equal rate (dB for PSNRs; positive: ``codec`` is better).
    overlap:   the quality interval (bd_rate) over which the curves were compared.
    """

    method: str
    metric: str
    reference: str
    codec: str
    bd_rate: float
    bd_metric: float
    overlap: tuple[float, float]


@dataclass
class AttributionRow:
    """LAM statistics of one model on one image coded by one codec at (about) ``target_bpp``.

    window: (row, col, height, width) in LR pixels (the HR window is s times it).
    di_receptive: Diffusion Index over the receptive box (comparable across images); ``own`` / ``neighbours``
    / ``beyond``: attribution shares in the window's own 8×8 blocks, the ring of blocks around them and the
    rest; ``boundary_enrichment``: share on block-edge pixels / their area share (> 1: edges attract).
    """

    image: str
    codec: str
    target_bpp: float
    bpp: float
    model: str
    window: tuple[int, int, int, int]
    di: float
    di_receptive: float
    own: float
    neighbours: float
    beyond: float
    boundary_enrichment: float


@dataclass
class CodecStudy:
    rows: list[CodecRow]
    curves: list[CurvePoint]
    bd: list[BDResult]
    attribution: list[AttributionRow]
    params: dict = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            if row.method not in seen:
                seen.append(row.method)
        return seen

    @property
    def codecs(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            if row.codec not in seen:
                seen.append(row.codec)
        return seen


# --------------------------------------------------------------------------------------- Bjøntegaard
def _check_curve(rate, quality, name: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rate, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    if r.shape != q.shape:
        raise ValueError(f"{name}: rates and qualities differ in length ({r.size} vs {q.size})")
    if r.size < 2:
        raise ValueError(f"{name}: a curve needs at least 2 points, got {r.size}")
    if not (np.isfinite(r).all() and np.isfinite(q).all()):
        raise ValueError(f"{name}: rates and qualities must be finite")
    if (r <= 0).any():
        raise ValueError(f"{name}: rates must be positive (they are compared as logarithms)")
    return r, q


def _mean_of_fit(x: np.ndarray, y: np.ndarray, lo: float, hi: float, degree: int) -> float:
    """Mean over [lo, hi] of the least-squares polynomial y(x) of ``degree`` (x centred for conditioning)."""
    x0 = float(x.mean())
    coef = np.polyfit(x - x0, y, degree)
    integral = np.polyint(coef)
    return float((np.polyval(integral, hi - x0) - np.polyval(integral, lo - x0)) / (hi - lo))


def _degree(n_a: int, n_b: int, degree: int) -> int:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    return int(min(degree, n_a - 1, n_b - 1))


def bd_rate(rate_ref, quality_ref, rate_test, quality_test, degree: int = 3) -> float:
    """Bjøntegaard delta rate (VCEG-M33, 2001) of a test curve against a reference curve, in percent.

    Each curve's log-rate is fitted as a polynomial of the quality (cubic; fewer points → degree n − 1),
    both fits are integrated over the overlap of the two quality ranges, and the mean log-rate difference
    d gives BD-rate = (exp(d) − 1)·100: the average extra rate (negative: saving) the test codec needs for
    the same quality. Rates: any positive unit (bpp); quality: PSNR in dB or any other score.
    Returns NaN when the quality ranges do not overlap.
    """
    ra, qa = _check_curve(rate_ref, quality_ref, "reference curve")
    rb, qb = _check_curve(rate_test, quality_test, "test curve")
    deg = _degree(ra.size, rb.size, degree)
    lo, hi = max(qa.min(), qb.min()), min(qa.max(), qb.max())
    if not hi > lo:
        return float("nan")
    diff = _mean_of_fit(qb, np.log(rb), lo, hi, deg) - _mean_of_fit(qa, np.log(ra), lo, hi, deg)
    return float((math.exp(diff) - 1.0) * 100.0)


def bd_metric(rate_ref, quality_ref, rate_test, quality_test, degree: int = 3) -> float:
    """Bjøntegaard delta quality (e.g. BD-PSNR in dB): the mean difference test − reference of the quality
    fitted as a polynomial of log-rate, over the overlap of the two log-rate ranges (NaN if none)."""
    ra, qa = _check_curve(rate_ref, quality_ref, "reference curve")
    rb, qb = _check_curve(rate_test, quality_test, "test curve")
    deg = _degree(ra.size, rb.size, degree)
    la, lb = np.log(ra), np.log(rb)
    lo, hi = max(la.min(), lb.min()), min(la.max(), lb.max())
    if not hi > lo:
        return float("nan")
    return _mean_of_fit(lb, qb, lo, hi, deg) - _mean_of_fit(la, qa, lo, hi, deg)


# --------------------------------------------------------------------------------------- settings
def _settings_label(settings: Mapping) -> str:
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def _check_grid(settings, codecs) -> dict[str, list[dict]]:
    if not isinstance(settings, Mapping) or not settings:
        raise ValueError("settings must map codec names to lists of setting dicts, e.g. {'jpeg': [{'quality': 10}]}")
    grid = {}
    for codec, entries in settings.items():
        if codecs is not None and codec not in codecs:
            continue
        if isinstance(entries, Mapping) or not isinstance(entries, Sequence) or not entries:
            raise ValueError(f"settings[{codec!r}] must be a non-empty list of setting dicts")
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise ValueError(f"settings[{codec!r}] holds {entry!r}; each entry must be a dict of settings")
        grid[str(codec).lower()] = [dict(e) for e in entries]
    if not grid:
        raise ValueError(f"settings name none of the codecs {codecs}")
    return grid


def _check_bpps(values, name: str) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not v > 0 \
                or not math.isfinite(v):
            raise ValueError(f"{name} must be positive numbers (bits per pixel), got {v!r}")
        out.append(float(v))
    return sorted(set(out))


def parse_grid(entries: Sequence[str]) -> dict[str, list[dict]]:
    """CLI grid entries ``CODEC:NAME=V1,V2,…`` (e.g. ``jpeg:quality=10,30,50``) → settings dict."""
    grid: dict[str, list[dict]] = {}
    for text in entries:
        match = re.fullmatch(r"\s*([a-z0-9]+)\s*:\s*([a-z_]+)\s*=\s*([^=]+)", str(text))
        if not match:
            raise ValueError(f"grid entries look like CODEC:NAME=V1,V2 (e.g. jpeg:quality=10,30), got {text!r}")
        codec, name, values = match.groups()
        parsed = []
        for v in values.split(","):
            v = v.strip()
            try:
                parsed.append(int(v))
            except ValueError:
                try:
                    parsed.append(float(v))
                except ValueError:
                    parsed.append(v)
        grid.setdefault(codec, []).extend({name: v} for v in parsed)
    return grid


def parse_fixed(entries: Sequence[str]) -> dict[str, dict]:
    """CLI entries ``CODEC:NAME=VALUE`` (e.g. ``jpeg:optimize=true``) → ``{codec: {name: value}}``; true/false
    become booleans, numbers numbers."""
    fixed: dict[str, dict] = {}
    for codec, entries_of_codec in parse_grid(entries).items():
        for entry in entries_of_codec:
            for name, value in entry.items():
                if isinstance(value, str) and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
                fixed.setdefault(codec, {})[name] = value
    return fixed


# --------------------------------------------------------------------------------------- measurements
def _blocking(image: np.ndarray, block: int) -> tuple[float, float]:
    """(BEF, D_B / D_B^c) of the luma of an RGB image on the block grid at phase (0, 0)."""
    stats = blocking_stats(rgb_to_y(image), block, (0, 0))
    ratio = stats.d_b / stats.d_bc if stats.d_bc > 0 else float("nan")
    return float(stats.bef), float(ratio)


def _encodes(lr: np.ndarray, codec: str, grid: list[dict] | None, targets: list[float] | None,
             fixed: Mapping | None = None):
    """[(point label, target, decoded, info)] for one codec on one LR image; ``fixed`` settings go into every
    encode (a grid point's own value wins)."""
    out, fixed = [], dict(fixed or {})
    if grid is not None:
        for setting in grid:
            decoded, info = compress(lr, codec, **{**fixed, **setting})
            out.append((_settings_label(setting), float("nan"), decoded, info))
    else:
        for target in targets:
            decoded, info = compress_to_bpp(lr, codec, target, **fixed)
            out.append((f"{target:g} bpp", target, decoded, info))
    return out


def select_matched(rows: Sequence[CodecRow], target_bpp: float, tolerance: float = 0.15) -> list[CodecRow]:
    """Rows of the encode closest to ``target_bpp`` per (image, codec), all methods; an (image, codec) whose
    closest encode misses the target by more than ``tolerance``·target is left out."""
    if not (isinstance(tolerance, (int, float)) and tolerance >= 0):
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    target = _check_bpps([target_bpp], "target_bpp")[0]
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for row in rows:
        key = (row.image, row.codec)
        gap = abs(row.bpp - target)
        if key not in best or gap < best[key][0]:
            best[key] = (gap, row.point)
    keep = {k: p for k, (gap, p) in best.items() if gap <= tolerance * target}
    return [r for r in rows if keep.get((r.image, r.codec)) == r.point]


def _curves(rows: Sequence[CodecRow]) -> list[CurvePoint]:
    groups: dict[tuple[str, str, str], list[CodecRow]] = {}
    for row in rows:
        groups.setdefault((row.codec, row.point, row.method), []).append(row)
    out = []
    keys = ("bpp", "psnr_y", "ssim", "psnr_b", "bef", "block_ratio")
    for (codec, point, method), group in groups.items():
        means = {k: float(np.mean([getattr(r, k) for r in group])) for k in keys}
        out.append(CurvePoint(codec, point, method, len(group), **means))
    return out


def bd_table(curves: Sequence[CurvePoint], reference: str = "jpeg", metric: str = "psnr_y") -> list[BDResult]:
    """BD-rate and BD-metric of every codec against ``reference``, per method, on the image-mean curves."""
    if metric not in ("psnr_y", "ssim", "psnr_b"):
        raise ValueError(f"metric must be psnr_y, ssim or psnr_b, got {metric!r}")
    by: dict[tuple[str, str], list[CurvePoint]] = {}
    for p in curves:
        by.setdefault((p.method, p.codec), []).append(p)
    out = []
    for (method, codec), points in by.items():
        ref = by.get((method, reference))
        if codec == reference or ref is None:
            continue
        if len(points) < 2 or len(ref) < 2:
            rate, delta, overlap = float("nan"), float("nan"), (float("nan"), float("nan"))
        else:
            args = ([p.bpp for p in ref], [getattr(p, metric) for p in ref],
                    [p.bpp for p in points], [getattr(p, metric) for p in points])
            rate, delta = bd_rate(*args), bd_metric(*args)
            qa, qb = args[1], args[3]
            overlap = (max(min(qa), min(qb)), min(max(qa), max(qb)))
        out.append(BDResult(method, metric, reference, codec, rate, delta, overlap))
    return out


def _attribute_window(model, decoded, window, scale, steps):
    from ..probes import attribute

    r, c, h, w = window
    res = attribute(model, decoded, (r * scale, c * scale, h * scale, w * scale), scale=scale, method="lam",
                    steps=steps, target="gradient", grid_phase=(0, 0), block_size=8)
    shares = res.block_shares
    return res.di, res.di_receptive, shares["own"], shares["neighbours"], shares["beyond"], \
        shares["boundary_enrichment"]


# --------------------------------------------------------------------------------------- the study
# Every codec gets its entropy coder's best effort: WebP, JPEG 2000 and AVIF always adapt their entropy coding
# to the image, so JPEG writes image-optimised Huffman tables too (identical pixels, 10–37 % fewer bytes on
# BSD100 ×2 LR images; the standard tables would handicap JPEG at low rates).
DEFAULT_FIXED_SETTINGS = {"jpeg": {"optimize": True}}


def _check_fixed(fixed, codecs) -> dict[str, dict]:
    if not isinstance(fixed, Mapping):
        raise ValueError(f"fixed_settings must map codec names to setting dicts, got {fixed!r}")
    out = {}
    for codec, entry in fixed.items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"fixed_settings[{codec!r}] must be a dict of settings, got {entry!r}")
        if codec in codecs:
            resolve_settings(codec, **entry)  # names and values checked before any work
            out[codec] = dict(entry)
    return out


def codec_study(images=None, codecs: Sequence[str] | None = None, settings: Mapping | None = None,
                target_bpps: Sequence[float] = DEFAULT_TARGET_BPPS, scale: int = DEFAULT_SCALE,
                models=DEFAULT_MODELS, crop: int | None = None, limit: int | None = None,
                attribution_bpps: Sequence[float] | None = HEADLINE_BPPS, attribution_steps: int = 8,
                reference: str | None = None, tolerance: float = 0.15, tile: int | None = 256,
                fixed_settings: Mapping | None = None, progress: bool = True) -> CodecStudy:
    """Run the codec study (see the module docstring) and return a :class:`CodecStudy`.

    images:   None (three bundled scikit-image images), a folder, or names / paths / arrays
              (see :func:`explain.studies._common.image_sources`); ``limit`` keeps the first N.
    codecs:   codec names (default: every codec Pillow can encode here).
    settings: grid mode, ``{codec: [settings dict, …]}`` (e.g. ``{"jpeg": [{"quality": 10}, …]}``); when None,
              each codec is searched to each of ``target_bpps`` (bits per LR pixel).
    scale:    integer SR factor; the HR image is cropped to a multiple of it (and centrally to ``crop`` first).
    models:   ``{label: LIIF | name | path}`` or a sequence (default: the shipped models); None/() → bicubic only.
    attribution_bpps: rates at which LAM statistics are gathered (``attribution_steps`` path steps) on the
              blockiest 16×16 LR window of the ``reference`` codec's decode; None/() skips attribution.
    reference: the codec the BD-rates are measured against (default: JPEG when studied, else the first codec).
    tolerance: relative bpp mismatch allowed for "matched" rows and attribution picks.
    fixed_settings: ``{codec: {name: value}}`` used by every encode of that codec (default
              :data:`DEFAULT_FIXED_SETTINGS`: JPEG with optimised Huffman tables; ``{}`` for libjpeg's standard tables).
    """
    scale = check_scale(scale)
    available = available_codecs()
    codecs = list(available if codecs is None else [str(c).lower() for c in codecs])
    for codec in codecs:
        if codec not in available:
            raise ValueError(f"unknown or unavailable codec {codec!r}; available codecs: {', '.join(available)}")
    if not codecs:
        raise ValueError("no codecs to study")
    grid = _check_grid(settings, codecs) if settings is not None else None
    fixed = _check_fixed(DEFAULT_FIXED_SETTINGS if fixed_settings is None else fixed_settings, codecs)
    if grid is not None:
        codecs = [c for c in codecs if c in grid]
    if reference is None:
        reference = "jpeg" if "jpeg" in codecs else codecs[0]
    elif reference not in codecs:
        raise ValueError(f"the reference codec {reference!r} is not among the codecs studied ({', '.join(codecs)})")
    targets = None if grid is not None else _check_bpps(target_bpps, "target_bpps")
    if targets is not None and not targets:
        raise ValueError("give at least one target bpp (or a settings grid)")
    attribution_bpps = _check_bpps(attribution_bpps or (), "attribution_bpps")
    if isinstance(attribution_steps, bool) or not isinstance(attribution_steps, int) or attribution_steps < 1:
        raise ValueError(f"attribution_steps must be a positive integer, got {attribution_steps!r}")
    sources = image_sources(images, limit)
    models = load_models(models)

    rows: list[CodecRow] = []
    attribution: list[AttributionRow] = []
    n_points = sum(len(grid[c]) for c in codecs) if grid is not None else len(codecs) * len(targets)
    bar = tqdm(total=len(sources) * n_points, desc="codec study", disable=not progress)
    for name, source in sources:
        hr = load_hr(source, scale, crop)
        lr = downscale(hr, scale)
        if min(lr.shape[:2]) < 2 * ATTRIBUTION_WINDOW:
            raise ValueError(f"{name}: the LR image {lr.shape[:2]} is too small for the study (needs "
                             f"{2 * ATTRIBUTION_WINDOW} px per side); use a larger crop or a smaller scale")
        lr_ref = _blocking(lr, 8)
        hr_ref = _blocking(hr, 8 * scale)
        decodes = {}
        for codec in codecs:
            for point, target, decoded, info in _encodes(lr, codec, grid[codec] if grid else None, targets,
                                                         fixed.get(codec)):
                decodes[codec, point] = (decoded, info)
                matched = bool(not math.isnan(target) and abs(info.bpp - target) <= tolerance * target)
                common = dict(image=name, codec=codec, point=point, settings=_settings_label(info.settings),
                              target_bpp=target, bpp=info.bpp, nbytes=info.nbytes, matched=matched)
                bef, ratio = _blocking(decoded, 8)
                rows.append(CodecRow(**common, method=DECODED, psnr_y=psnr_y(lr, decoded), ssim=ssim(lr, decoded),
                                     psnr_b=psnr_b(lr, decoded, 8, (0, 0)), bef=bef, block_ratio=ratio,
                                     bef_reference=lr_ref[0], block_ratio_reference=lr_ref[1]))
                outputs = {BICUBIC: upscale_bicubic(decoded, size=hr.shape[:2])}
                for label, model in models.items():
                    outputs[label] = upscale(model, decoded, size=hr.shape[:2], tile=tile)
                for method, sr in outputs.items():
                    values = measure(hr, sr, scale)
                    bef, ratio = _blocking(sr, 8 * scale)
                    rows.append(CodecRow(**common, method=method, **values, bef=bef, block_ratio=ratio,
                                         bef_reference=hr_ref[0], block_ratio_reference=hr_ref[1]))
                bar.update(1)
        if models and attribution_bpps:
            attribution += _image_attribution(name, rows, decodes, models, codecs, attribution_bpps, reference,
                                              tolerance, scale, attribution_steps)
    bar.close()
    curves = _curves(rows)
    bd = bd_table(curves, reference, "psnr_y")
    params = dict(images=[n for n, _ in sources], codecs=codecs, mode="grid" if grid else "target_bpp",
                  settings=grid, fixed_settings=fixed, target_bpps=targets, scale=scale, models=list(models), crop=crop,
                  attribution_bpps=attribution_bpps, attribution_steps=attribution_steps,
                  attribution_method="lam", attribution_target="gradient", reference=reference, tolerance=tolerance)
    return CodecStudy(rows, curves, bd, attribution, params)


def _image_attribution(name, rows, decodes, models, codecs, bpps, reference, tolerance, scale, steps):
    out = []
    image_rows = [r for r in rows if r.image == name and r.method == DECODED]
    for target in bpps:
        picked = {r.codec: r for r in select_matched(image_rows, target, tolerance)}
        if not picked:
            continue
        anchor = reference if reference in picked else next(c for c in codecs if c in picked)
        anchor_lr = decodes[anchor, picked[anchor].point][0]
        r0, c0 = blockiest_window(anchor_lr, ATTRIBUTION_WINDOW, block_size=8, stride=8)
        window = (r0, c0, ATTRIBUTION_WINDOW, ATTRIBUTION_WINDOW)
        for codec in codecs:
            if codec not in picked:
                continue
            decoded, info = decodes[codec, picked[codec].point]
            for label, model in models.items():
                values = _attribute_window(model, decoded, window, scale, steps)
                out.append(AttributionRow(name, codec, target, info.bpp, label, window, *values))
    return out


# --------------------------------------------------------------------------------------- reporting
def matched_summary(study: CodecStudy, targets: Sequence[float] = HEADLINE_BPPS,
                    tolerance: float | None = None) -> list[dict]:
    """Per target rate × codec × method: image means over the matched encodes (see :func:`select_matched`).

    Each dict: target_bpp, codec, method, images, bpp, psnr_y, ssim, psnr_b, bef, block_ratio, and for SR
    methods ``gain`` = PSNR-Y − bicubic PSNR-Y (dB) on the same images.
    """
    tolerance = study.params.get("tolerance", 0.15) if tolerance is None else tolerance
    out = []
    for target in _check_bpps(targets, "targets"):
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


def render_markdown(study: CodecStudy) -> str:
    """The headline tables: blocking and SR quality per codec at matched rates, BD-rates, attribution."""
    p = study.params
    models = [m for m in study.methods if m not in (DECODED, BICUBIC)]
    lines = [f"## Codec study (×{p['scale']}, {len(p['images'])} images: {', '.join(p['images'][:6])}"
             f"{' …' if len(p['images']) > 6 else ''})", "",
             "Decoded LR vs clean LR: PSNR-Y and blocking on the 8×8 grid (BEF ×10⁴ and D_B/D_B^c, the ratio of "
             "squared steps across block boundaries to those inside blocks; 1 = no grid). SR: PSNR-Y of the ×s "
             "upscale vs HR; gain = model − bicubic. Means over images whose encode is within "
             f"{100 * p['tolerance']:.0f} % of the target rate.", ""]
    head = "| target | codec | bpp | n | LR PSNR-Y | LR BEF×10⁴ | LR D_B/D_B^c | bicubic | " + \
        " | ".join(f"{m} (gain)" for m in models) + " |"
    lines += [head, "|" + "---|" * (8 + len(models))]
    summary = matched_summary(study)
    targets = sorted({e["target_bpp"] for e in summary})
    for target in targets:
        for codec in study.codecs:
            by = {e["method"]: e for e in summary if e["target_bpp"] == target and e["codec"] == codec}
            if DECODED not in by:
                continue
            d = by[DECODED]
            cells = [f"{target:g}", codec, fmt(d["bpp"], 3), str(d["images"]), fmt(d["psnr_y"]),
                     fmt(1e4 * d["bef"], 2), fmt(d["block_ratio"], 2), fmt(by.get(BICUBIC, {}).get("psnr_y"))]
            cells += [f"{fmt(by[m]['psnr_y'])} ({by[m]['gain']:+.2f})" if m in by else "–" for m in models]
            lines.append("| " + " | ".join(cells) + " |")
    if study.bd:
        lines += ["", f"BD-rate against {p['reference']} (PSNR-Y curves of image means; negative = fewer bits "
                      "for the same PSNR-Y) and BD-PSNR (dB at equal rate):", "",
                  "| method | " + " | ".join(c for c in study.codecs if c != p["reference"]) + " |",
                  "|---|" + "---|" * (len(study.codecs) - 1)]
        for method in study.methods:
            by = {b.codec: b for b in study.bd if b.method == method}
            cells = [f"{fmt(by[c].bd_rate, 1)} % / {fmt(by[c].bd_metric)} dB" if c in by else "–"
                     for c in study.codecs if c != p["reference"]]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    attr = attribution_summary(study)
    if attr:
        lines += ["", f"LAM ({p['attribution_steps']} steps, gradient target) on the blockiest 16×16 LR window of "
                      f"the {p['reference']} decode, same window for every codec: Diffusion Index over the receptive "
                      "box, shares of attribution in the window's own blocks / the ring of neighbouring blocks, and "
                      "block-edge enrichment.", "",
                  "| target | model | codec | bpp | n | DI | own | neighbours | edge enrichment |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for e in attr:
            lines.append(f"| {e['target_bpp']:g} | {e['model']} | {e['codec']} | {fmt(e['bpp'], 3)} | {e['images']} | "
                         f"{fmt(e['di_receptive'], 1)} | {fmt(e['own'])} | {fmt(e['neighbours'])} | "
                         f"{fmt(e['boundary_enrichment'])} |")
    return "\n".join(lines) + "\n"


def write_study(study: CodecStudy, out_dir) -> dict[str, Path]:
    """Write codecs.csv (all rows), codecs_curves.csv, codecs_bd.csv, codecs_attribution.csv, codecs.json,
    codecs.md and the figures rd.png and blocking.png into ``out_dir``; returns the paths by kind."""
    from ..figures.studies import plot_blocking_vs_rate, plot_rd_curves

    names = {"rows": "codecs.csv", "curves": "codecs_curves.csv", "bd": "codecs_bd.csv",
             "attribution": "codecs_attribution.csv", "json": "codecs.json", "markdown": "codecs.md",
             "rd": "rd.png", "blocking": "blocking.png"}
    with staged_folder(out_dir) as stage:
        write_rows_csv(study.rows, stage / names["rows"])
        write_rows_csv(study.curves, stage / names["curves"])
        write_rows_csv(study.bd, stage / names["bd"])
        write_rows_csv(study.attribution, stage / names["attribution"])
        write_json({"params": study.params, "matched": matched_summary(study), "bd": study.bd,
                    "attribution": attribution_summary(study), "curves": study.curves}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(study))
        save_figure(plot_rd_curves(study), stage / names["rd"])
        save_figure(plot_blocking_vs_rate(study), stage / names["blocking"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}


# --------------------------------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    """Options of ``liif-explain codecs``."""
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, image files, or ONE folder (e.g. ../shared/data/bench/bsd100); "
                             "default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None, help="first N images (quick runs)")
    parser.add_argument("--codecs", nargs="+", default=None, help="default: every codec Pillow can encode")
    parser.add_argument("--bpps", nargs="+", type=float, default=list(DEFAULT_TARGET_BPPS),
                        help="target bits per LR pixel, matched per image (default: %(default)s)")
    parser.add_argument("--grid", nargs="+", default=None, metavar="CODEC:NAME=V1,V2",
                        help="settings grid instead of target rates, e.g. jpeg:quality=10,30,50 webp:quality=5,20")
    parser.add_argument("--fixed", nargs="*", default=None, metavar="CODEC:NAME=VALUE",
                        help="settings used by every encode of a codec (default: jpeg:optimize=true, JPEG with "
                             "image-optimised Huffman tables; give none for libjpeg's standard tables)")
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="SR factor (default: %(default)s)")
    parser.add_argument("--models", nargs="*", default=list(DEFAULT_MODELS), metavar="MODEL",
                        help="shipped names, checkpoint paths or LABEL=PATH (none → bicubic only)")
    parser.add_argument("--crop", type=int, default=None, help="central HR crop side (quick runs)")
    parser.add_argument("--attribution-bpps", nargs="*", type=float, default=list(HEADLINE_BPPS),
                        help="rates for the LAM statistics (none → skip; default: %(default)s)")
    parser.add_argument("--attribution-steps", type=int, default=8)
    parser.add_argument("--reference", default=None,
                        help="reference codec of the BD-rates (default: jpeg when studied, else the first codec)")
    parser.add_argument("--out", default="out/codecs", help="output folder (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> CodecStudy:
    """Run ``liif-explain codecs``: writes OUT/codecs.{csv,json,md}, curves, BD-rates and figures."""
    images = images_from_args(args.images)
    study = codec_study(images=images, codecs=args.codecs, settings=parse_grid(args.grid) if args.grid else None,
                        target_bpps=args.bpps, scale=args.scale, models=parse_models(args.models), crop=args.crop,
                        limit=args.limit, attribution_bpps=args.attribution_bpps,
                        attribution_steps=args.attribution_steps, reference=args.reference,
                        fixed_settings=parse_fixed(args.fixed) if args.fixed is not None else None,
                        progress=not args.no_progress)
    paths = write_study(study, args.out)
    print(render_markdown(study))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return study
