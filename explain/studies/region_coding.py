"""Region-priority JPEG coding at equal total bit rate (after SDComp, arXiv 2408.08575: "tell the codec what
is worth compressing").

A region of the LR image is coded at a high JPEG quality and the rest at a low one, with no more bytes than
uniform coding at the target rate; then the ×s SR quality (PSNR-Y against HR) inside and outside the region
is compared with uniform coding.

Two-quality coding with honest byte counts. Baseline JPEG has one quantisation table per component, so the
two-quality image is composed from two ordinary streams of the whole image, H at the high quality and L at
the low one: region MCUs (minimum coded units, 16×16 LR pixels for 4:2:0 chroma, 8×8 for 4:4:4; on the grid
at phase (0, 0)) are decoded from H, the others from L. Its size is counted MCU by MCU from the streams'
entropy-coded data (:func:`explain.studies.jpeg_scan.scan_costs` walks the Huffman codes and records how many
bits every MCU takes):

    bytes = header(H) + DQT(L) + ceil((Σ_region bits_H + Σ_rest bits_L) / 8) + 2 (EOI),

i.e. what one stream that switched quantisation tables per MCU would take (as MPEG-style coders do with a
per-macroblock quantiser): one header carrying both sets of quantisation tables (the Huffman tables are
libjpeg's standard ones in both streams, so they are shared), and each MCU's own codes. The one approximation:
each MCU's DC difference is counted as coded in its own stream, predicted from the previous MCU of that
stream; a switching coder would predict across a switch, changing the few DC codes at region edges by a few
bits. (Chroma upsampling in the decoder reads one chroma sample across an MCU edge, so the pixels on the
region border see a little of the other stream's colour.)

Equal rate: uniform coding is searched to the target bpp (:func:`explain.codecs.compress_to_bpp`); region
coding then uses ``high_quality`` (default uniform quality + 30, at most 95) and the largest low quality whose
total bytes do not exceed the uniform stream's (lowering the high quality in steps of 5 while even quality 1
outside does not fit). The region comes from a box or from where the model's attribution mass concentrates
(the saliency of LAM's gradient-magnitude target of the whole SR output, computed on the clean LR image —
the encoder side has it): the top ``area`` share of MCUs by attribution mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..checks import check_positive_int
from ..codecs import compress_to_bpp, decode, encode
from ..evaluate import atomic_write_text
from ..fileio import staged_folder
from ..images import downscale, to_uint8, upscale_bicubic
from ..metrics import rgb_to_y
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
)
from .jpeg_scan import ScanCosts, scan_costs

MCU = {"4:2:0": 16, "4:4:4": 8}
DEFAULT_TARGET_BPP = 0.6
DEFAULT_AREA = 0.25


# ------------------------------------------------------------------------------------------- two qualities
def mcu_side(subsampling: str) -> int:
    """MCU side in pixels for a JPEG chroma subsampling ("4:2:0" → 16, "4:4:4" → 8)."""
    if subsampling not in MCU:
        raise ValueError(f"region coding supports subsampling {list(MCU)}, got {subsampling!r}")
    return MCU[subsampling]


def block_grid_shape(shape, block: int) -> tuple[int, int]:
    """(ceil(h/block), ceil(w/block)): the MCU grid of an (h, w, …) image."""
    return -(-int(shape[0]) // block), -(-int(shape[1]) // block)


def cells_to_mask(cells: np.ndarray, shape, block: int) -> np.ndarray:
    """(gh, gw) bool cells → (h, w) bool pixel mask."""
    mask = np.kron(cells.astype(np.uint8), np.ones((block, block), np.uint8)).astype(bool)
    return mask[: shape[0], : shape[1]]


@dataclass
class TwoQualityCode:
    """A two-quality JPEG code (see the module docstring).

    decoded: (h, w, 3) float32 in [0, 1]; nbytes / bpp: the counted size and rate (bits per LR pixel);
    nbytes_high / nbytes_low: the sizes of the two whole-image streams; header_high, dqt_low: the header
    bytes counted; region_bits / other_bits: entropy-coded bits of the region MCUs (from H) and the rest (L).
    """

    decoded: np.ndarray
    nbytes: int
    bpp: float
    high_quality: int
    low_quality: int
    nbytes_high: int
    nbytes_low: int
    header_high: int
    dqt_low: int
    region_bits: int
    other_bits: int


class _Streams:
    """Whole-image JPEG streams of one LR image per quality, with their per-MCU costs (computed once)."""

    def __init__(self, lr, subsampling: str):
        self.block = mcu_side(subsampling)
        self.u8 = to_uint8(lr)
        self.subsampling = subsampling
        self.cache: dict[int, tuple[bytes, ScanCosts]] = {}

    def check(self, cells) -> np.ndarray:
        cells = np.asarray(cells, dtype=bool)
        want = block_grid_shape(self.u8.shape, self.block)
        if cells.shape != want:
            raise ValueError(f"cells must be {want} (one per {self.block}×{self.block} MCU), got {cells.shape}")
        return cells

    def __call__(self, quality: int) -> tuple[bytes, ScanCosts]:
        if quality not in self.cache:
            data = encode(self.u8, "jpeg", quality=int(quality), subsampling=self.subsampling)
            self.cache[quality] = (data, scan_costs(data))
        return self.cache[quality]

    def nbytes(self, cells, q_high: int, q_low: int) -> tuple[int, int, int]:
        (_, high), (_, low) = self(q_high), self(q_low)
        region_bits, other_bits = int(high.bits[cells].sum()), int(low.bits[~cells].sum())
        return high.header + low.dqt + -(-(region_bits + other_bits) // 8) + 2, region_bits, other_bits

    def code(self, cells, q_high: int, q_low: int) -> TwoQualityCode:
        (data_h, high), (data_l, low) = self(q_high), self(q_low)
        nbytes, region_bits, other_bits = self.nbytes(cells, q_high, q_low)
        mask = cells_to_mask(cells, self.u8.shape, self.block)[..., None]
        decoded = np.where(mask, decode(data_h), decode(data_l)).astype(np.float32)
        h, w = self.u8.shape[:2]
        return TwoQualityCode(decoded, nbytes, 8.0 * nbytes / (h * w), int(q_high), int(q_low), len(data_h),
                              len(data_l), high.header, low.dqt, region_bits, other_bits)


def two_quality_jpeg(lr, cells: np.ndarray, high_quality: int, low_quality: int,
                     subsampling: str = "4:2:0") -> TwoQualityCode:
    """Code MCU cells ``cells`` (True = region) of ``lr`` at ``high_quality`` and the rest at ``low_quality``.

    lr: (h, w, 3) float in [0, 1] (rounded to 8 bits); cells: (ceil(h/B), ceil(w/B)) bool, B the MCU side.
    """
    streams = _Streams(lr, subsampling)
    return streams.code(streams.check(cells), int(high_quality), int(low_quality))


# ------------------------------------------------------------------------------------------- regions
def region_from_box(shape, box, subsampling: str = "4:2:0") -> np.ndarray:
    """MCU cells covering the LR box (row0, col0, row1, col1) (half-open, snapped outwards to the grid)."""
    block = mcu_side(subsampling)
    try:
        r0, c0, r1, c1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be (row0, col0, row1, col1) in LR pixels, got {box!r}") from None
    h, w = shape[:2]
    if not (0 <= r0 < r1 <= h and 0 <= c0 < c1 <= w):
        raise ValueError(f"box {box} is empty or outside the {h}×{w} LR image")
    cells = np.zeros(block_grid_shape(shape, block), dtype=bool)
    cells[r0 // block: -(-r1 // block), c0 // block: -(-c1 // block)] = True
    return cells


def attribution_mass(model, lr, scale: int, window: int = 32, method: str = "saliency",
                     progress: bool = False) -> np.ndarray:
    """(h, w) |∂F/∂x| summed over channels, F = LAM's gradient-magnitude detector summed over the whole SR
    output, assembled from output windows of ``window`` LR pixels (the gradient of a sum is the sum of the
    windows' gradients; signed maps are added before taking the magnitude)."""
    from ..probes import attribute

    image = np.asarray(lr, dtype=np.float32)
    h, w = image.shape[:2]
    total = np.zeros((3, h, w), dtype=np.float64)
    steps = [(r, c) for r in range(0, h, window) for c in range(0, w, window)]
    for r, c in tqdm(steps, desc="attribution mass", disable=not progress):
        hh, ww = min(window, h - r), min(window, w - c)
        res = attribute(model, image, (r * scale, c * scale, hh * scale, ww * scale), scale=scale, method=method,
                        target="gradient")
        total += res.map
    return np.abs(total).sum(0)


def region_from_mass(mass: np.ndarray, area: float = DEFAULT_AREA, subsampling: str = "4:2:0") -> np.ndarray:
    """The ceil(area · #cells) MCU cells holding the most attribution mass (ties: first in row-major order)."""
    if not (isinstance(area, (int, float)) and 0 < area < 1):
        raise ValueError(f"area must be a fraction in (0, 1), got {area!r}")
    block = mcu_side(subsampling)
    mass = np.asarray(mass, dtype=np.float64)
    gh, gw = block_grid_shape(mass.shape, block)
    padded = np.zeros((gh * block, gw * block))
    padded[: mass.shape[0], : mass.shape[1]] = mass
    per_cell = padded.reshape(gh, block, gw, block).sum((1, 3)).ravel()
    n = max(1, math.ceil(area * per_cell.size))
    cells = np.zeros(per_cell.size, dtype=bool)
    cells[np.argsort(-per_cell, kind="stable")[:n]] = True
    return cells.reshape(gh, gw)


# ------------------------------------------------------------------------------------------- equal rate
def match_region_code(lr, cells, budget_bytes: int, high_quality: int, subsampling: str = "4:2:0",
                      min_high: int | None = None) -> TwoQualityCode:
    """The two-quality code with the highest low quality whose size is ≤ ``budget_bytes`` at ``high_quality``
    (bisection over 1 … high − 1, assuming size grows with quality); while even quality 1 outside does not
    fit, the high quality drops by 5 (not below ``min_high``). ValueError when nothing fits."""
    streams = _Streams(lr, subsampling)
    cells = streams.check(cells)
    floor = 2 if min_high is None else max(2, int(min_high))
    q_high = int(high_quality)
    while q_high >= floor:
        if streams.nbytes(cells, q_high, 1)[0] <= budget_bytes:
            lo, hi = 1, q_high  # invariant: lo fits; hi does not (or is the high quality itself)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if streams.nbytes(cells, q_high, mid)[0] <= budget_bytes:
                    lo = mid
                else:
                    hi = mid
            return streams.code(cells, q_high, lo)
        q_high -= 5
    raise ValueError(f"no two-quality code fits {budget_bytes} bytes (region of {int(np.sum(cells))} MCUs); "
                     "use a smaller region or a higher target bpp")


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


@dataclass
class RegionCoding:
    """Region vs uniform JPEG coding of one image at equal rate.

    cells: (gh, gw) bool MCU cells of the region; ``mask``: (h, w) LR pixels; ``region_share`` = mask mean.
    uniform_*: the uniform code (quality, bytes, bpp); ``code``: the :class:`TwoQualityCode` (without image).
    psnr: {method: {"uniform" | "region": {"inside" | "outside" | "all": PSNR-Y dB}}}; method "decoded" is the
    decoded LR vs the clean LR (no shave), the others the ×s SR vs HR (s-pixel shave).
    """

    image: str
    source: str
    cells: np.ndarray
    mask: np.ndarray
    region_share: float
    uniform_quality: int
    uniform_nbytes: int
    uniform_bpp: float
    code: dict
    psnr: dict
    decoded_uniform: np.ndarray | None = None
    decoded_region: np.ndarray | None = None

    def gain(self, method: str, part: str) -> float:
        """PSNR-Y of region coding − uniform coding (dB) for ``method`` on ``part`` (inside/outside/all)."""
        return self.psnr[method]["region"][part] - self.psnr[method]["uniform"][part]


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


@dataclass
class RegionStudy:
    results: list[RegionCoding]
    params: dict = field(default_factory=dict)

    def mean_gains(self) -> dict:
        """{method: {"inside" | "outside" | "all": mean gain (dB) region − uniform}} over images."""
        out = {}
        for method in self.results[0].psnr:
            out[method] = {part: float(np.mean([r.gain(method, part) for r in self.results]))
                           for part in ("inside", "outside", "all")}
        return out


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


def render_markdown(study: RegionStudy) -> str:
    p = study.params
    lines = [f"## Region-priority vs uniform JPEG at equal rate (×{p['scale']}, target {p['target_bpp']:g} bpp, "
             f"region: {study.results[0].source})", "",
             "| image | region share | uniform q / bpp | region q high / low / bpp | method | Δ inside | Δ outside | "
             "Δ all |", "|---|---|---|---|---|---|---|---|"]
    for r in study.results:
        for method in r.psnr:
            lines.append(f"| {r.image} | {100 * r.region_share:.0f} % | {r.uniform_quality} / {r.uniform_bpp:.3f} | "
                         f"{r.code['high_quality']} / {r.code['low_quality']} / {r.code['bpp']:.3f} | {method} | "
                         f"{r.gain(method, 'inside'):+.2f} | {r.gain(method, 'outside'):+.2f} | "
                         f"{r.gain(method, 'all'):+.2f} |")
    lines += ["", "Mean PSNR-Y change region − uniform (dB):", "", "| method | inside | outside | all |",
              "|---|---|---|---|"]
    for method, g in study.mean_gains().items():
        lines.append(f"| {method} | {fmt(g['inside'])} | {fmt(g['outside'])} | {fmt(g['all'])} |")
    return "\n".join(lines) + "\n"


def write_region_study(study: RegionStudy, out_dir) -> dict[str, Path]:
    """region_coding.json, region_coding.md and, per image that kept its decodes, region_<image>.png."""
    from ..figures.studies import plot_region_coding

    names = {"json": "region_coding.json", "markdown": "region_coding.md"}
    with staged_folder(out_dir) as stage:
        for r in study.results:
            if r.decoded_uniform is not None and r.decoded_region is not None:
                names[f"figure_{r.image}"] = f"region_{r.image}.png"
                save_figure(plot_region_coding(r), stage / names[f"figure_{r.image}"])
        write_json({"params": study.params, "mean_gains": study.mean_gains(),
                    "images": [{k: v for k, v in vars(r).items() if k not in ("decoded_uniform", "decoded_region")}
                               for r in study.results]}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(study))
    return {kind: Path(out_dir) / name for kind, name in names.items()}


def add_arguments(parser) -> None:
    """Options of ``liif-explain region-coding``."""
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--models", nargs="*", default=list(DEFAULT_MODELS), metavar="MODEL")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--bpp", type=float, default=DEFAULT_TARGET_BPP, help="total rate (bits per LR pixel)")
    parser.add_argument("--box", nargs=4, type=int, default=None, metavar=("ROW0", "COL0", "ROW1", "COL1"),
                        help="region box in LR pixels (default: from attribution mass)")
    parser.add_argument("--area", type=float, default=DEFAULT_AREA, help="region share for attribution regions")
    parser.add_argument("--high-quality", type=int, default=None,
                        help="JPEG quality inside (default: uniform quality + --quality-step, at most 95)")
    parser.add_argument("--quality-step", type=int, default=30)
    parser.add_argument("--subsampling", default="4:2:0", choices=list(MCU))
    parser.add_argument("--crop", type=int, default=None)
    parser.add_argument("--out", default="out/region_coding")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> RegionStudy:
    """Run ``liif-explain region-coding``: writes OUT/region_coding.{json,md} and prints the table."""
    images = images_from_args(args.images)
    study = region_study(images, parse_models(args.models), args.scale, args.bpp,
                         args.box if args.box else "attribution", args.area, args.high_quality, args.subsampling,
                         args.crop, args.limit, quality_step=args.quality_step, progress=not args.no_progress)
    paths = write_region_study(study, args.out)
    print(render_markdown(study))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return study
