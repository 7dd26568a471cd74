"""liif-explain: what clues does an implicit super-resolution model use where compression damaged the image?

Pipeline: image I/O & degradations (:mod:`explain.images`) → codecs (:mod:`explain.codecs`) → model
(:mod:`explain.models`: encoder | ensemble | decoder) → upscaling (:mod:`explain.upscale`) → probes
(:mod:`explain.probes`) → figures (:mod:`explain.figures`) → widgets. Images are float32 (H, W, 3) arrays in
[0, 1]; LIIF coordinates are (row, col) pixel centres in (−1, 1).
"""

from .allocator import keep_freed_memory
from .codecs import available_codecs, compress
from .images import DEFAULT_IMAGES, downscale, load_image, save_image, upscale_bicubic
from .metrics import blockiest_window, psnr, psnr_b, psnr_y, ssim
from .models import LIIF, LIIFConfig, load_model
from .probes import (
    ablation_seams,
    attribute,
    cell_response,
    deletion_curve,
    ensemble_weights,
    latent_features,
    line_response,
    sanity_check,
)
from .upscale import upscale

keep_freed_memory()  # reuse freed tensor memory (explain.allocator: ≈ 40 % of an upscale's CPU time was page faults)

__version__ = "0.1.0"

__all__ = ["load_image", "save_image", "downscale", "upscale_bicubic", "DEFAULT_IMAGES", "compress",
           "available_codecs", "psnr", "psnr_y", "psnr_b", "ssim", "blockiest_window", "LIIF", "LIIFConfig",
           "load_model", "upscale", "attribute", "latent_features", "ensemble_weights", "ablation_seams",
           "line_response", "cell_response", "sanity_check", "deletion_curve"]
