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

Modules: :mod:`.mcu` (the MCU grid), :mod:`.two_quality` (the codes and their byte counts), :mod:`.regions`
(box or attribution regions), :mod:`.study` (the comparison), :mod:`.results`, :mod:`.markdown`, :mod:`.files`
and :mod:`.cli` (``liif-explain region-coding``); the per-MCU bits come from :mod:`explain.studies.jpeg_scan`.
"""

from .cli import add_arguments, run
from .files import write_region_study
from .markdown import render_markdown
from .mcu import MCU, block_grid_shape, cells_to_mask, mcu_side
from .regions import attribution_mass, region_from_box, region_from_mass
from .results import DEFAULT_AREA, DEFAULT_TARGET_BPP, RegionCoding, RegionStudy
from .study import masked_psnr_y, region_coding, region_study
from .two_quality import TwoQualityCode, match_region_code, two_quality_jpeg

__all__ = ["region_coding", "region_study", "RegionCoding", "RegionStudy", "two_quality_jpeg", "match_region_code",
           "TwoQualityCode", "region_from_box", "region_from_mass", "attribution_mass", "masked_psnr_y", "mcu_side",
           "block_grid_shape", "cells_to_mask", "render_markdown", "write_region_study", "add_arguments", "run", "MCU",
           "DEFAULT_TARGET_BPP", "DEFAULT_AREA"]
