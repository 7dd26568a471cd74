"""The rate–distortion curves of one image: each codec searched to each target rate, the decoded LR image and its
upscales measured by PSNR-Y (see :mod:`explain.studies.rate_distortion`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ...codecs import available_codecs, compress_to_bpp
from ...images import downscale, load_image, upscale_bicubic
from ...metrics import psnr_y
from ...upscale import upscale
from ...widgets._base import as_models
from ...widgets.cache import FeatureCache, check_output_region


@dataclass
class RateDistortionCurve:
    """One codec's curve; arrays have one entry per reachable target (targets a codec cannot reach are dropped).

    target_bpp: (n,) requested rates; bpp: (n,) achieved rates (8·bytes / LR pixels); settings: the codec
    settings used (a setting reached from two targets is kept once); psnr_lr: (n,) PSNR-Y (dB) of the decoded
    LR vs the clean LR; psnr_sr: output name → (n,) PSNR-Y (dB) of the ×scale upscale vs the HR original
    ("bicubic" included).
    """

    codec: str
    target_bpp: np.ndarray
    bpp: np.ndarray
    settings: list[dict]
    psnr_lr: np.ndarray
    psnr_sr: dict[str, np.ndarray] = field(default_factory=dict)


def rate_distortion(hr, models, codecs=None, bpps=(0.25, 0.5, 1.0, 2.0), scale: int = 4,
                    settings: dict | None = None, region=None, progress: bool = True) -> dict[str, RateDistortionCurve]:
    """Rate–distortion curves of ``hr`` (H, W, 3) downscaled ×``scale`` (PIL bicubic), compressed by each codec.

    models: a model, a shipped name / path or a dict name → model; codecs: names (default: all available);
    bpps: target bit rates (bits per LR pixel); settings: codec → fixed settings of that codec, e.g.
    ``{"jpeg": {"subsampling": "4:4:4"}}`` (each codec's defaults otherwise).
    region:   HR (row, col, height, width) where the upscales are computed and compared (the whole LR image is
    still compressed and encoded; no border is shaved); default the whole image with ``scale`` px shaved.
    H and W must be multiples of ``scale``.
    """
    models = as_models(models)
    img = load_image(hr)
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if img.shape[0] % scale or img.shape[1] % scale:
        raise ValueError(f"HR size {img.shape[:2]} must be a multiple of the scale {scale}")
    codecs = available_codecs() if codecs is None else list(codecs)
    unknown = [c for c in codecs if c not in available_codecs()]
    if unknown:
        raise ValueError(f"unknown or unavailable codec(s) {unknown}; available: {available_codecs()}")
    targets = np.asarray(bpps, dtype=np.float64).ravel()
    if targets.size == 0 or not np.all(targets > 0):
        raise ValueError(f"bpps must be positive bit rates, got {bpps!r}")
    lr = downscale(img, scale)
    size = img.shape[:2]
    if region is not None:
        r0, c0, rh, rw = check_output_region(region, size)
        cache = FeatureCache(max_latents=1, max_results=1)
        ref, shave = img[r0: r0 + rh, c0: c0 + rw], 0

        def upscaled(m, decoded):
            return cache.upscale(m, decoded, size, (r0, c0, rh, rw))

        def crop(a):
            return a[r0: r0 + rh, c0: c0 + rw]
    else:
        ref, shave = img, scale

        def upscaled(m, decoded):
            return upscale(m, decoded, size=size)

        def crop(a):
            return a
    curves = {}
    jobs = [(c, t) for c in codecs for t in targets]
    rows: dict[str, list] = {c: [] for c in codecs}
    for codec, target in tqdm(jobs, desc="rate–distortion", disable=not progress):
        fixed = (settings or {}).get(codec, {})
        try:
            decoded, info = compress_to_bpp(lr, codec, float(target), **fixed)
        except ValueError:  # e.g. the codec cannot reach so low a rate on this image
            continue
        if any(e[2] == info.settings for e in rows[codec]):  # two targets gave the same setting
            continue
        sr = {name: upscaled(m, decoded) for name, m in models.items()}
        sr["bicubic"] = crop(upscale_bicubic(decoded, size=size))
        rows[codec].append((target, info.bpp, info.settings, psnr_y(lr, decoded),
                            {k: psnr_y(ref, v, shave=shave) for k, v in sr.items()}))
    for codec, entries in rows.items():
        if not entries:
            continue
        names = list(entries[0][4])
        curves[codec] = RateDistortionCurve(
            codec, np.array([e[0] for e in entries]), np.array([e[1] for e in entries]), [e[2] for e in entries],
            np.array([e[3] for e in entries]), {n: np.array([e[4][n] for e in entries]) for n in names})
    return curves
