"""Compressed-model audit: where do fp16, int8 and pruned copies of a LIIF model stop agreeing with it?

After Hooker et al.-style long-tail analyses, here "Understanding the Effect of the Long Tail on Neural
Network Compression" (arXiv 2306.06238): compression costs little on average but concentrates its damage on
rare, memorised examples. We build compressed copies of a model

* ``fp16``: every parameter and activation in half precision (``model.half()``; CPU half kernels);
* ``int8``: dynamic int8 quantisation of the MLP decoder (``torch.ao.quantization.quantize_dynamic`` on
  ``nn.Linear``, per-tensor weights, activations quantised on the fly). PyTorch's dynamic quantisation
  covers Linear (and recurrent) layers only, not ``nn.Conv2d``, so **the convolutional encoder stays
  float32**. The MLP's first layer is read by LIIF's query as a convolution kernel (its code part is
  evaluated on the whole latent grid), so that layer gets int8 *weights* (symmetric per-tensor
  round-to-nearest) with float activations; layers 2… are true dynamically quantised Linear modules;
* ``pruneNN``: global magnitude pruning, the NN % smallest-magnitude weights of all Conv2d and Linear layers
  together set to zero (biases kept), the exact count round(NN % · #weights). A global threshold prunes
  layers with small weights hardest: the last MLP layer of a model with a bicubic skip starts at zero and
  stays small, so it can be pruned away entirely, leaving plain bicubic (:func:`describe_copy` lists each
  layer's sparsity);
* ``lpruneNN``: layer-wise magnitude pruning, NN % of every layer's own weights, for comparison;

and measure, over LR patches of a benchmark set (grid-aligned 16×16 LR tiles of JPEG-coded images), the
per-patch disagreement: RMS difference of the copy's ×s SR output from the full model's on the patch's HR
window. Disagreement is then correlated (Spearman) with the local JPEG damage (D_B − D_B^c of the decoded
LR patch on the 8×8 grid, and RMSE of the decoded against the clean LR patch), the patch's rarity
(mean distance to its k nearest neighbours among latent descriptors of training-like patches) and the full
model's own error against the HR image.

**Disagreement and latent-space rarity are a proxy for the paper's memorisation scores, not those scores**:
the paper estimates memorisation from models trained with and without each example; nothing here retrains a
model. A positive rarity–disagreement correlation is consistent with "compression hurts the long tail"
but does not show memorisation.

Modules: the copies are built by :mod:`explain.models.surgery`; :mod:`.rarity` (patch descriptors, k-NN
rarity, the bank), :mod:`.audit` (the measurements), :mod:`.results`, :mod:`.markdown`, :mod:`.files` and
:mod:`.cli` (``liif-explain audit``).
"""

from ...models.surgery import (
    compressed_copy,
    describe_copy,
    half_copy,
    int8_copy,
    magnitude_prune,
    prunable_weights,
    sparsity,
)
from .audit import audit
from .cli import add_arguments, run
from .files import write_audit
from .markdown import render_markdown
from .rarity import TRAIN_ROOT, knn_rarity, patch_descriptors
from .results import DEFAULT_CONDITIONS, PATCH, VARIANTS, VISIBLE, AuditResult

__all__ = ["audit", "AuditResult", "compressed_copy", "describe_copy", "half_copy", "int8_copy", "magnitude_prune",
           "prunable_weights", "sparsity", "knn_rarity", "patch_descriptors", "render_markdown", "write_audit",
           "add_arguments", "run", "VARIANTS", "DEFAULT_CONDITIONS", "PATCH", "VISIBLE", "TRAIN_ROOT"]
