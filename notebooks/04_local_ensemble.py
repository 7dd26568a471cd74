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
# # The local ensemble
#
# Each output pixel is a blend of 4 predictions, one per surrounding latent code, weighted by area.
# Move the region (sliders, or a click on the LR image, which marks the region; the click needs `ipympl`)
# and pick a model; the view queries the cached latent grid (no re-encoding). Thin lines
# in the figures are LR cell boundaries, thick red lines the 8×8 JPEG block grid.

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 20  # JPEG quality after the downscale, or "as is": the image itself is the compressed input
scale = 4  # downscale / upscale factor
models = list(DEFAULT_MODELS)  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
import numpy as np
from IPython.display import Markdown, display

import explain
from explain.notebooks import setup

ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

# %%
from explain.widgets import EnsembleView

view = EnsembleView(models, sc.lr, scale=sc.scale, region=window)
display(view)

# %%
at_block = {}
for name in models:  # the explained block, every model
    view.set(model=name)
    at_block[name] = view.result
view.set(model=focus, row=max(0, window[0] - window[2] // 2))  # half a block up: straddles an edge
print(view.text)
view.set(view="contributions")

# %% [markdown]
# ## Along a line across a block edge, and across scales

# %%
from explain.figures import plot_cell_response, plot_line_response

br, bc = choice.block_lr
row = br + 4.5
line = explain.line_response(models[focus], sc.lr, (row, max(bc - 4.0, 0.5)),
                             (row, min(bc + 12.0, sc.lr.shape[1] - 0.5)), n=160, units="lr", scale=sc.scale)
display(plot_line_response(line, sc.lr))
step = np.abs(np.diff(line.rgb, axis=0)).mean(-1)
cell = explain.cell_response(models[focus], sc.lr, (br + 0.5, bc + 0.5), units="lr")
display(plot_cell_response(cell))

# %% [markdown]
# ## Seams with and without the ensemble

# %%
from explain.figures import plot_ablation_seams

seams = {name: explain.ablation_seams(m, sc.lr, straddle, scale=sc.scale) for name, m in models.items()}
print(seams[focus].summary())
display(plot_ablation_seams(seams[focus]))

# %% [markdown]
# ## What this notebook measured

# %%
lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.describe()}; window {window}.*", ""]
for name, e in at_block.items():
    near = e.near_block_boundary()
    st = seams[name].stats
    lines.append(f"- **{name}**: mean largest weight {e.weights.max(-1).mean():.3f}; disagreement of the 4 "
                 f"predictions ≤ ½ px from a block edge {e.disagreement[near].mean():.4f} vs "
                 f"{e.disagreement[~near].mean():.4f} elsewhere; over a window straddling a block corner the "
                 f"seam ratio is {st['full'].ratio:.2f} with the ensemble, {st['ensemble off'].ratio:.2f} "
                 f"without.")
lines.append(f"- Along the line ({focus}), the largest step between neighbouring samples is {step.max():.4f} "
             f"(mean {step.mean():.4f}).")
display(Markdown("\n".join(lines)))
