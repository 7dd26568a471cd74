"""Latent-information probe: what do the encoder's latent codes carry about the codec and its block grid?

After LCL (arXiv 2406.07543), which trains encoders to maximise the information their latents carry, we
measure two things for each model (by default the official ``liif-edsr``, its JPEG twin ``liif-edsr-jpeg``
and the clean control ``liif-edsr-clean``):

1. **Linear probes** (multinomial logistic regression, :func:`fit_linear_probe`) from one latent code
   (the C channels of the grid at an LR pixel) to
   * the 8×8 JPEG block phase of that pixel: (row mod 8, col mod 8) as 64 classes, and row / column phase
     as 8 classes each, on JPEG-coded inputs (grid at phase (0, 0)); the same 64-class probe on clean
     inputs is the control (no grid → chance);
   * the codec that coded the input (JPEG, WebP, JPEG 2000, AVIF at a matched bit rate);
   * the JPEG quality bin of the input.
   Train and test codes come from different images (every third image is a test image), and codes within
   the encoder's receptive radius of the image border are left out (zero padding would give away position).
   Chance is the test share of the most frequent class. A probe on the input's own 3×3 pixel
   neighbourhood ("input 3×3") is the reference: what a linear read-out of the pixels already gives.
   If the JPEG model's codes predict block phase far above chance (and above the pixel reference), the
   model represents where it sits in the grid — direct evidence that it uses the grid as a clue.

2. **An InfoNCE lower bound** (van den Oord et al. 2018; Poole et al. 2019) on the mutual information
   between a latent code and the clean HR patch over its LR pixel's 3×3 neighbourhood (``"hr"``) or that
   patch's detail, HR minus the bicubic upscale of the clean LR (``"detail"``):
   I(Z; X) ≥ log N − L_InfoNCE, with a separable critic f(z, x) = g(z)·h(x) (two small MLPs) trained for a
   few hundred steps on training images and evaluated on test images in batches of N. The bound can never
   exceed log N (nats); it is a lower bound, so differences between models are differences in what a small
   critic can extract, not exact information.

Modules: :mod:`.linear_probe`, :mod:`.infonce` (the two estimators, on plain arrays), :mod:`.samples` (codes,
pixel neighbourhoods and HR patches at sampled pixels), :mod:`.study` (the run), :mod:`.results`,
:mod:`.markdown`, :mod:`.files` and :mod:`.cli` (``liif-explain latent-info``).
"""

from .cli import add_arguments, run
from .files import write_latent_information
from .infonce import InfoNCEBound, infonce_bound
from .linear_probe import LinearProbe, fit_linear_probe
from .markdown import render_markdown
from .results import (
    DEFAULT_PHASE_QUALITIES,
    DEFAULT_QUALITY_BINS,
    INPUT_REFERENCE,
    InfoScore,
    LatentInformation,
    ProbeScore,
    label_order,
    task_order,
)
from .study import latent_information

__all__ = ["latent_information", "LatentInformation", "ProbeScore", "InfoScore", "fit_linear_probe", "LinearProbe",
           "infonce_bound", "InfoNCEBound", "task_order", "label_order", "render_markdown",
           "write_latent_information", "add_arguments", "run", "INPUT_REFERENCE", "DEFAULT_QUALITY_BINS",
           "DEFAULT_PHASE_QUALITIES"]
