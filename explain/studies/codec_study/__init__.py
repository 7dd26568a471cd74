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

Modules: :mod:`.results` (the rows), :mod:`.settings` (settings grids and rates), :mod:`.study` (the
measurements), :mod:`.bjontegaard` (BD-rate / BD-metric), :mod:`.summary` (matched rates, curve means),
:mod:`.markdown`, :mod:`.files` and :mod:`.cli` (``liif-explain codecs``).
"""

from .bjontegaard import bd_metric, bd_rate, bd_table
from .cli import add_arguments, parse_fixed, parse_grid, run
from .files import write_study
from .markdown import render_markdown
from .results import (
    ATTRIBUTION_WINDOW,
    BICUBIC,
    DECODED,
    DEFAULT_SCALE,
    DEFAULT_TARGET_BPPS,
    HEADLINE_BPPS,
    AttributionRow,
    BDResult,
    CodecRow,
    CodecStudy,
    CurvePoint,
)
from .settings import DEFAULT_FIXED_SETTINGS
from .study import codec_study
from .summary import attribution_summary, curve_points, matched_summary, select_matched

__all__ = ["codec_study", "CodecStudy", "CodecRow", "CurvePoint", "BDResult", "AttributionRow", "bd_rate", "bd_metric",
           "bd_table", "select_matched", "curve_points", "matched_summary", "attribution_summary", "render_markdown",
           "write_study", "add_arguments", "run", "parse_grid", "parse_fixed", "DEFAULT_TARGET_BPPS", "HEADLINE_BPPS",
           "DEFAULT_SCALE", "DECODED", "BICUBIC", "ATTRIBUTION_WINDOW", "DEFAULT_FIXED_SETTINGS"]
