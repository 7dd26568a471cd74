"""The model names the toolkit knows, and which of them its views explain by default.

``liif-edsr`` is the paper's own EDSR-baseline-LIIF checkpoint (Chen et al., CVPR 2021), fetched once into a
per-user cache; the twins are fine-tuned from it by ``liif-explain train`` and ship with the package:
``liif-edsr-jpeg`` on JPEG-degraded inputs (with a share of clean ones), ``liif-edsr-clean`` on the same data,
steps, schedule and batch seed with clean inputs only (the control).
"""

from __future__ import annotations

OFFICIAL = "liif-edsr"
JPEG_TWIN = "liif-edsr-jpeg"
CLEAN_CONTROL = "liif-edsr-clean"

# Shipped inside the package (assets/<name>.pt with a model card assets/<name>.json).
PACKAGED = (JPEG_TWIN, CLEAN_CONTROL)
# Every name load_model accepts.
KNOWN = (OFFICIAL, JPEG_TWIN, CLEAN_CONTROL)
# A fine-tune → its control (same data, steps, schedule and seed; clean inputs): what the causal clues compare it with.
CONTROLS = {JPEG_TWIN: CLEAN_CONTROL}
# What tours, notebooks, widgets and studies compare unless told otherwise: the model people use, and its twin.
DEFAULT_MODELS = (OFFICIAL, JPEG_TWIN)
