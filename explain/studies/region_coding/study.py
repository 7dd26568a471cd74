"""Region-priority vs uniform JPEG coding of images at equal total rate, measured on the decoded LR image and
its upscales (see :mod:`explain.studies.region_coding`)."""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from ...checks import check_positive_int
from ...codecs import compress_to_bpp
from ...images import downscale, upscale_bicubic
from ...metrics import rgb_to_y
from ...models.names import DEFAULT_MODELS
from ...upscale import upscale
from .._common import check_scale, image_sources, load_hr, load_models
from .mcu import block_grid_shape, cells_to_mask, mcu_side
from .regions import attribution_mass, region_from_box, region_from_mass
from .results import DEFAULT_AREA, DEFAULT_TARGET_BPP, RegionCoding, RegionStudy
from .two_quality import match_region_code


def masked_psnr_y(reference, test, mask, shave: int = 0) -> float:
    """PSNR (dB, peak 1) of the BT.601 luma over the pixels where ``mask`` (H, W) is True, border shaved."""
    a, b = rgb_to_y(reference), rgb_to_y(test)
    m = np.asarray(mask, dtype=bool).copy()
    if shave:
        m[:shave], m[-shave:], m[:, :shave], m[:, -shave:] = False, False, False, False
    if not m.any():
        return float("nan")
    mse = float(np.mean((a[m] - b[m]) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(1.0 / mse)


def _parts(reference, test, mask, shave):
    return {"inside": masked_psnr_y(reference, test, mask, shave),
            "outside": masked_psnr_y(reference, test, ~mask, shave),
            "all": masked_psnr_y(reference, test, np.ones_like(mask), shave)}


def region_coding(hr, scale: int, models=None, target_bpp: float = DEFAULT_TARGET_BPP, region="attribution",
                  area: float = DEFAULT_AREA, high_quality: int | None = None, quality_step: int = 30,
                  subsampling: str = "4:2:0", attribution_model=None, name: str = "image",
                  keep_images: bool = True, tile: int | None = 256) -> RegionCoding:
    """Compare region-priority and uniform JPEG coding of one HR image's ×``scale`` LR version.

    hr:     float (H, W, 3) in [0, 1], H and W multiples of ``scale``.
    models: {label: LIIF} (already loaded) for the SR comparison; bicubic always runs.
    region: ``"attribution"`` (top ``area`` share of MCUs by attribution mass of ``attribution_model``, default
            the first model), a box (row0, col0, row1, col1) in LR pixels, or an MCU cell array.
    """
    scale = check_scale(scale)
    check_positive_int(quality_step, "quality_step")
    hr = np.asarray(hr, dtype=np.float32)
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(f"HR size {hr.shape[:2]} is not a multiple of scale {scale}")
    models = dict(models or {})
    lr = downscale(hr, scale)
    if isinstance(region, str):
        if region != "attribution":
            raise ValueError(f"region must be 'attribution', a box (row0, col0, row1, col1) or MCU cells, "
                             f"got {region!r}")
        model = attribution_model if attribution_model is not None else next(iter(models.values()), None)
        if model is None:
            raise ValueError("region='attribution' needs a model (models or attribution_model)")
        cells = region_from_mass(attribution_mass(model, lr, scale), area, subsampling)
        source = f"attribution (top {100 * area:.0f} % of MCUs)"
    elif isinstance(region, np.ndarray) and region.dtype == bool:
        cells = region
        source = "given cells"
    else:
        cells = region_from_box(lr.shape, region, subsampling)
        source = f"box {tuple(int(v) for v in region)}"
    block = mcu_side(subsampling)
    if cells.shape != block_grid_shape(lr.shape, block):
        raise ValueError(f"region cells must be {block_grid_shape(lr.shape, block)}, got {cells.shape}")
    if cells.all() or not cells.any():
        raise ValueError("the region must cover some but not all MCUs")
    uniform, info = compress_to_bpp(lr, "jpeg", target_bpp, subsampling=subsampling)
    q_u = int(info.settings["quality"])
    q_high = min(95, q_u + int(quality_step)) if high_quality is None else int(high_quality)
    code = match_region_code(lr, cells, info.nbytes, q_high, subsampling, min_high=q_u + 1)
    mask = cells_to_mask(cells, lr.shape, block)
    hr_mask = np.kron(mask.astype(np.uint8), np.ones((scale, scale), np.uint8)).astype(bool)
    psnr = {"decoded": {"uniform": _parts(lr, uniform, mask, 0), "region": _parts(lr, code.decoded, mask, 0)}}
    for method in ["bicubic", *models]:
        entry = {}
        for kind, decoded in (("uniform", uniform), ("region", code.decoded)):
            sr = upscale_bicubic(decoded, size=hr.shape[:2]) if method == "bicubic" else \
                upscale(models[method], decoded, size=hr.shape[:2], tile=tile)
            entry[kind] = _parts(hr, sr, hr_mask, scale)
        psnr[method] = entry
    code_info = {k: v for k, v in vars(code).items() if k != "decoded"}
    return RegionCoding(name, source, cells, mask, float(mask.mean()), q_u, int(info.nbytes), float(info.bpp),
                        code_info, psnr, uniform if keep_images else None, code.decoded if keep_images else None)


def region_study(images=None, models=DEFAULT_MODELS, scale: int = 2, target_bpp: float = DEFAULT_TARGET_BPP,
                 region="attribution", area: float = DEFAULT_AREA, high_quality: int | None = None,
                 subsampling: str = "4:2:0", crop: int | None = None, limit: int | None = None,
                 quality_step: int = 30, progress: bool = True) -> RegionStudy:
    """:func:`region_coding` over images (None: three bundled images; a folder; names / paths)."""
    scale = check_scale(scale)
    check_positive_int(quality_step, "quality_step")
    models = load_models(models)
    results = []
    for name, source in tqdm(image_sources(images, limit), desc="region coding", disable=not progress):
        hr = load_hr(source, scale, crop)
        results.append(region_coding(hr, scale, models, target_bpp, region, area, high_quality, quality_step,
                                     subsampling=subsampling, name=name))
    params = dict(scale=scale, target_bpp=target_bpp, region=region if isinstance(region, str) else list(region),
                  area=area, high_quality=high_quality, quality_step=quality_step, subsampling=subsampling, crop=crop,
                  models=list(models))
    return RegionStudy(results, params)
