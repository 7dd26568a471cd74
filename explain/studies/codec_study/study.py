"""The codec study's measurements: every image × codec × setting coded, decoded, upscaled and measured, and
LAM statistics at matched bit rates (see :mod:`explain.studies.codec_study`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from tqdm.auto import tqdm

from ...codecs import available_codecs, compress, compress_to_bpp
from ...evaluate import measure
from ...images import downscale, upscale_bicubic
from ...metrics import blockiest_window, blocking_stats, psnr_b, psnr_y, rgb_to_y, ssim
from ...models.names import DEFAULT_MODELS
from ...upscale import upscale
from .._common import check_scale, image_sources, load_hr, load_models
from .bjontegaard import bd_table
from .results import (
    ATTRIBUTION_WINDOW,
    BICUBIC,
    DECODED,
    DEFAULT_SCALE,
    DEFAULT_TARGET_BPPS,
    HEADLINE_BPPS,
    AttributionRow,
    CodecRow,
    CodecStudy,
)
from .settings import DEFAULT_FIXED_SETTINGS, check_bpps, check_fixed, check_grid, settings_label
from .summary import curve_points, select_matched


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
            out.append((settings_label(setting), float("nan"), decoded, info))
    else:
        for target in targets:
            decoded, info = compress_to_bpp(lr, codec, target, **fixed)
            out.append((f"{target:g} bpp", target, decoded, info))
    return out


def _attribute_window(model, decoded, window, scale, steps):
    from ...probes import attribute

    r, c, h, w = window
    res = attribute(model, decoded, (r * scale, c * scale, h * scale, w * scale), scale=scale, method="lam",
                    steps=steps, target="gradient", grid_phase=(0, 0), block_size=8)
    shares = res.block_shares
    return res.di, res.di_receptive, shares["own"], shares["neighbours"], shares["beyond"], \
        shares["boundary_enrichment"]


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
    grid = check_grid(settings, codecs) if settings is not None else None
    fixed = check_fixed(DEFAULT_FIXED_SETTINGS if fixed_settings is None else fixed_settings, codecs)
    if grid is not None:
        codecs = [c for c in codecs if c in grid]
    if reference is None:
        reference = "jpeg" if "jpeg" in codecs else codecs[0]
    elif reference not in codecs:
        raise ValueError(f"the reference codec {reference!r} is not among the codecs studied ({', '.join(codecs)})")
    targets = None if grid is not None else check_bpps(target_bpps, "target_bpps")
    if targets is not None and not targets:
        raise ValueError("give at least one target bpp (or a settings grid)")
    attribution_bpps = check_bpps(attribution_bpps or (), "attribution_bpps")
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
                common = dict(image=name, codec=codec, point=point, settings=settings_label(info.settings),
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
    curves = curve_points(rows)
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
