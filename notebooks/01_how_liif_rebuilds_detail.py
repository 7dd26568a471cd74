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
# # How LIIF rebuilds detail
#
# A walk through LIIF (Local Implicit Image Function, Chen, Liu & Wang, CVPR 2021) with one model — the
# first JPEG-trained one of `models` in the next cell (by default the twin fine-tuned from the paper's
# checkpoint on JPEG inputs): coordinates and cells, the latent grid, the 3×3 unfolding, one MLP query,
# the local ensemble, arbitrary scales, and what each part does to seams. The model is only ever used
# through `encode` (image → latent grid) and `query` (latent grid + coordinates → colours).

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 20  # JPEG quality after the downscale, or "as is": the image itself is the compressed input
scale = 4  # downscale / upscale factor
models = list(DEFAULT_MODELS)  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
import numpy as np
import torch
from IPython.display import Markdown, display

import explain
from explain.notebooks import setup

ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

model = models[focus]

# %% [markdown]
# ## 1. Coordinates and cells
#
# LIIF treats an image as a function on the square (−1, 1)². Coordinates are (row, col); pixel *i* of an
# axis of *n* pixels has its centre at −1 + (2i + 1)/n. An output of size H×W is a grid of such centres,
# and each query also gets its **cell** (2/H, 2/W): the size of the output pixel it stands for. Below, a
# 4×4 LR image (dots) and the centres of a ×2.5 output (10×10, crosses) in the same frame.

# %%
import matplotlib.pyplot as plt

from explain.models.coords import make_coord_grid, pixel_centres

print("centres of a 4-pixel axis:", pixel_centres(4).tolist())
lr_grid = make_coord_grid(4, 4).reshape(-1, 2)
hr_grid = make_coord_grid(10, 10).reshape(-1, 2)
print("cell of a 10×10 output:", (2 / 10, 2 / 10))
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(lr_grid[:, 1], lr_grid[:, 0], s=60, label="LR pixel centres (latent codes)")
ax.scatter(hr_grid[:, 1], hr_grid[:, 0], marker="x", s=12, label="output pixel centres (×2.5)")
for k in np.linspace(-1, 1, 5):
    ax.axhline(k, color="grey", lw=0.5)
    ax.axvline(k, color="grey", lw=0.5)
ax.invert_yaxis()
ax.set_aspect("equal")
ax.legend(fontsize=7, loc="lower left")
plt.show()

# %% [markdown]
# ## 2. The latent grid
#
# The encoder (an EDSR-baseline without upsampler) maps the LR image to one C-dimensional code per LR
# pixel. Here: a 16×16 LR crop around the blockiest window. The PCA view maps the first three principal
# components of the codes to red, green and blue.

# %%
from explain.figures import plot_latent_pca

br, bc = choice.block_lr
r0 = int(np.clip(br - 4, 0, sc.lr.shape[0] - 16))
c0 = int(np.clip(bc - 4, 0, sc.lr.shape[1] - 16))
crop = sc.lr[r0:r0 + 16, c0:c0 + 16]
x = torch.from_numpy(crop).permute(2, 0, 1)[None]
with torch.no_grad():
    latents = model.encode(x)
print("LR crop", tuple(x.shape), "→ latent grid", tuple(latents.features.shape))
print(f"each code depends on LR pixels within {model.receptive_radius} px (Chebyshev); a query's output on "
      f"pixels within {model.query_radius} px of its own LR pixel")
phase = ((8 - r0) % 8, (8 - c0) % 8)  # the JPEG grid in the crop's frame
display(plot_latent_pca(explain.latent_features(model, crop, latents=latents, grid_phase=phase), crop))

# %% [markdown]
# ## 3. Feature unfolding
#
# Before decoding, each code is concatenated with its 8 neighbours (a 3×3 unfolding, zero-padded at the
# border): the MLP reads 9C numbers per code. Channel c·9 + k of the unfolded grid is channel c of the
# neighbour k (k = 4 is the centre).

# %%
with torch.no_grad():
    unfolded = model.unfold(latents.features)
f = latents.features
print("unfolded grid:", tuple(unfolded.shape))
centre = unfolded.view(1, f.shape[1], 9, *f.shape[-2:])[:, :, 4]
up_left = unfolded.view(1, f.shape[1], 9, *f.shape[-2:])[:, :, 0]
print("tap 4 equals the code itself:", bool(torch.allclose(centre, f)))
print("tap 0 equals the up-left neighbour:", bool(torch.allclose(up_left[..., 1:, 1:], f[..., :-1, :-1])))

# %% [markdown]
# ## 4. One MLP query
#
# To colour a point x, LIIF takes the 4 codes whose cells surround x, and for each code k feeds the MLP with
# (unfolded code, x − code centre, cell). Each gives a prediction; the output is their blend with bilinear
# area weights (Eq. 3–4 of the paper).

# %%
point = torch.tensor([[0.13, -0.27]])  # (row, col) in the crop's (−1, 1) frame
cell = torch.tensor([[2 / (16 * sc.scale), 2 / (16 * sc.scale)]])
with torch.no_grad():
    out, internals = model.query(latents, point, cell, return_internals=True)
for k in range(internals.weights.shape[-1]):
    print(f"code {k}: LR pixel {internals.indices[0, 0, k].tolist()}, relative coord "
          f"{np.round(internals.rel_coord[0, 0, k].numpy(), 3).tolist()}, "
          f"weight {internals.weights[0, 0, k]:.3f}, "
          f"prediction {np.round(internals.predictions[0, 0, k].numpy(), 3).tolist()}")
blend = (internals.weights[..., None] * internals.predictions).sum(2)
print("output", np.round(out[0, 0].numpy(), 4).tolist(), "= Σ weight · prediction:",
      bool(torch.allclose(out, blend)))

# %% [markdown]
# ## 5. The local ensemble over a region
#
# Over a block-sized window straddling a block corner: each code's weight (bilinear, largest next to its
# centre), which code dominates, and how much the 4 predictions disagree. Along a line crossing a block
# edge, the output and the weights change smoothly while the set of codes switches at every LR cell
# boundary.

# %%
from explain.figures import plot_ensemble, plot_line_response
from explain.widgets.ensemble import summarise as ensemble_summary

ens = explain.ensemble_weights(model, sc.lr, straddle, scale=sc.scale)
print(ensemble_summary(focus, ens))
display(plot_ensemble(ens))
br, bc = choice.block_lr
row = br + 4.5
line = explain.line_response(model, sc.lr, (row, max(bc - 4.0, 0.5)),
                             (row, min(bc + 12.0, sc.lr.shape[1] - 0.5)), n=160, units="lr", scale=sc.scale)
display(plot_line_response(line, sc.lr))

# %% [markdown]
# ## 6. Any scale
#
# LIIF decodes any real scale: changing the scale changes only the query coordinates and the cell, never
# the latent grid (the view reuses the cached encoder features). Drag the slider; the cell-response plot
# shows how one output pixel's colour depends on the cell the decoder is told about.

# %%
from explain.figures import plot_cell_response
from explain.widgets import ScaleView

br, bc = choice.block_lr
lr_region = (max(0, br - 4), max(0, bc - 4), 16, 16)
lr_region = (min(lr_region[0], sc.lr.shape[0] - 16), min(lr_region[1], sc.lr.shape[1] - 16), 16, 16)
scale_view = ScaleView(models, sc.lr, region=lr_region, scale=3.5)
display(scale_view)

# %%
scale_view.set(scale=2.3)  # what dragging the slider does
print(scale_view.text)
cell = explain.cell_response(model, sc.lr, (br + 0.5, bc + 0.5), units="lr")
display(plot_cell_response(cell))

# %% [markdown]
# ## 7. What each part does to seams
#
# The straddling window decoded by the model and by three ablations built from its weights: without the local
# ensemble (nearest code only), without unfolding, without the cell. The seam ratio compares the mean
# jump between neighbouring output pixels across LR cell boundaries with the jump inside cells (≈ 1 for
# a seamless output).

# %%
from explain.figures import plot_ablation_seams

seams = explain.ablation_seams(model, sc.lr, straddle, scale=sc.scale)
print(seams.summary())
display(plot_ablation_seams(seams))

# %% [markdown]
# ## What this notebook measured

# %%
st = seams.stats
lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.describe()}; model {focus}, window {straddle}.*", "",
         f"- One query blends {internals.weights.shape[-1]} codes; the blend reproduces the output exactly.",
         f"- Over the window the largest ensemble weight averages {ens.weights.max(-1).mean():.3f}; the 4 "
         f"predictions disagree by {ens.disagreement.mean():.4f} on average.",
         f"- Seam ratio (jump across LR cell boundaries / inside cells): full model {st['full'].ratio:.2f}"]
lines[-1] += "".join(f", {k} {v.ratio:.2f}" for k, v in st.items() if k != "full") + "."
worst = max((k for k in st if k != "full"), key=lambda k: st[k].ratio)
lines.append(f"- The **{worst}** variant has the strongest seams; at block boundaries the full model's jump "
             f"ratio is {st['full'].block_ratio:.2f}.")
lines.append(f"- At ×{scale_view.result['scale']:g} the region is {scale_view.result['hr_region'][2]}×"
             f"{scale_view.result['hr_region'][3]} output pixels, decoded from the same latent grid.")
display(Markdown("\n".join(lines)))
