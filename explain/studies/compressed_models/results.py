"""What the compressed-model audit returns: per-patch arrays and per-copy summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VARIANTS = ("fp16", "int8", "prune50", "prune70", "prune90")

DEFAULT_CONDITIONS = ("jpeg10", "jpeg30", "jpeg50")

PATCH = 16  # LR pixels per patch side: 2×2 JPEG blocks

VISIBLE = 1.0 / 255.0  # RMS disagreement of one 8-bit grey level


@dataclass
class AuditResult:
    """Per-patch disagreement of compressed copies with the full model (all arrays numpy).

    variants:      copy names (order of the first axis of ``disagreement``); ``copies``: their descriptions.
    images, conditions: the evaluated image names and input conditions ("jpegQ" / "clean").
    patch_image, patch_condition: (P,) indices into ``images`` / ``conditions``.
    patch_box:     (P, 4) LR (row, col, height, width) of each patch.
    disagreement:  (V, P) RMS of copy SR − full SR over the patch's HR window (image units; 1/255 = one grey
                   level).
    full_error:    (P,) RMS of full SR − HR on the patch (the model's own error).
    copy_error:    (V, P) the same for each copy.
    blocking:      (P,) D_B − D_B^c (Y, 8×8 grid) of the decoded LR patch (unclipped; > 0: a visible grid).
    jpeg_error:    (P,) RMS of decoded − clean LR on the patch.
    rarity:        (P,) :func:`knn_rarity` of the patch's latent descriptor against the bank.
    correlations:  {variant: {"blocking" | "jpeg_error" | "rarity" | "full_error": Spearman ρ}}.
    agreement:     {variant: {"psnr_vs_full": mean over images of PSNR(copy SR, full SR) in dB,
                   "mean", "median", "p95", "max": disagreement over patches (image units),
                   "visible": share of patches above 1/255, "delta_psnr": mean PSNR change vs HR (copy − full)}}.
    top:           {variant: (k,) patch indices, most disagreeing first}; ``top_patches``: {variant: {"lr",
                   "full", "copy", "hr"}} crops of those patches (k, ·, ·, 3).
    """

    variants: list[str]
    copies: dict
    images: list[str]
    conditions: list[str]
    patch_image: np.ndarray
    patch_condition: np.ndarray
    patch_box: np.ndarray
    disagreement: np.ndarray
    full_error: np.ndarray
    copy_error: np.ndarray
    blocking: np.ndarray
    jpeg_error: np.ndarray
    rarity: np.ndarray
    correlations: dict
    agreement: dict
    top: dict
    top_patches: dict
    params: dict = field(default_factory=dict)
