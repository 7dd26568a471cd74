# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Compressed models: where do fp16, int8 and pruned copies stop agreeing?
#
# *Understanding the Effect of the Long Tail on Neural Network Compression* (arXiv 2306.06238) finds
# that compression costs little on average but concentrates its damage on rare, memorised examples.
# Here we build compressed copies of the model in focus (the first JPEG-trained one of `models`) —
# float16, int8 (dynamic quantisation of the MLP; the convolutional encoder stays float32 because PyTorch
# has no dynamic quantisation for `Conv2d`), and 50 / 70 / 90 % global magnitude pruning — and measure, on
# 16×16-pixel LR patches of JPEG-coded images (your `image`, or with the default image in full mode every
# default image), how far each copy's ×`scale` output is from the full model's. Then we ask which patches
# suffer: those with strong JPEG blocking, those that are *rare* (far from training-like patches in latent
# space), or those where the full model itself is wrong.
#
# **Disagreement + latent rarity is a proxy for the paper's memorisation scores, not those scores**
# (they need models retrained without each example).

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 30  # JPEG quality of the audited inputs (full mode adds 10, 30 and 50)
scale = 4  # downscale / upscale factor
models = list(DEFAULT_MODELS)  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import explain
from explain.notebooks import study_setup

S, models, focus = study_setup(image, scale, models, quality)  # quick mode (EXPLAIN_QUICK=1): small crops

# %%
from explain.studies import compressed_models as cm

images = [image] if S.quick or image not in explain.DEFAULT_IMAGES else None  # None: every default image
conditions = (f"jpeg{S.quality}",) if S.quick else tuple(dict.fromkeys((*cm.DEFAULT_CONDITIONS, f"jpeg{S.quality}")))
audit = cm.audit(models[focus], images=images, scale=S.scale, conditions=conditions,
                 crop=192 if S.quick else 256, bank_images=4 if S.quick else 24, top=6, progress=False)
display(Markdown(cm.render_markdown(audit)))

# %% [markdown]
# ## The patches that disagree most
#
# Rows: the LR patch, the HR original, the full model, the copy, and |copy − full| (scaled to its own
# maximum). Pruned copies disagree on edges: the sharpening the model adds over bicubic is what pruning
# removes first.

# %%
from explain.figures.studies import plot_top_disagreements

display(plot_top_disagreements(audit, "prune50"))

# %% [markdown]
# ## Disagreement against blocking, JPEG error, rarity and the model's own error

# %%
from explain.figures.studies import plot_audit_scatter

display(plot_audit_scatter(audit))

# %% [markdown]
# ## Why 50 % pruning already hurts: the global threshold empties small layers
#
# A global magnitude threshold prunes layers with small weights hardest. With a bicubic skip the MLP's
# last layer starts at zero and stays small, so it can be pruned away almost entirely — the model then
# falls back to plain bicubic. Layer-wise pruning (`lprune50`) keeps each layer's largest weights.

# %%
for kind in ("prune50", "lprune50"):
    info = cm.describe_copy(cm.compressed_copy(models[focus], kind), kind)
    last = list(info["layer_sparsity"])[-1]
    print(f"{kind}: overall {100 * info['sparsity']:.1f} % zero, last layer ({last}) "
          f"{100 * info['layer_sparsity'][last]:.1f} % zero, "
          f"emptied layers: {info['emptied_layers'] or 'none'}")

# %% [markdown]
# ## What this notebook measured

# %%
worst = max(audit.variants, key=lambda v: audit.agreement[v]["mean"])
best = min(audit.variants, key=lambda v: audit.agreement[v]["mean"])
lines = [f"*{'Quick' if S.quick else 'Full'} mode, copies of {focus}: {len(audit.rarity)} patches from "
         f"{', '.join(audit.images)} × {', '.join(audit.conditions)}.*", ""]
for v in audit.variants:
    a, c = audit.agreement[v], audit.correlations[v]
    lines.append(f"- **{v}**: PSNR vs the full model {a['psnr_vs_full']:.1f} dB, mean disagreement "
                 f"{255 * a['mean']:.2f}/255, ΔPSNR-Y vs HR {a['delta_psnr']:+.3f} dB; Spearman ρ with "
                 f"rarity {c['rarity']:+.2f}, JPEG error {c['jpeg_error']:+.2f}, own error {c['full_error']:+.2f}.")
lines += ["", f"Closest copy: {best}; farthest: {worst}. Correlations are a proxy for memorisation, "
              "not a measurement of it."]
display(Markdown("\n".join(lines)))
