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
# # Latent features
#
# What the encoder's code grid holds where the JPEG is blocky. Pick a model and a view: the PCA of the
# codes as colours, the channels that respond most to the block grid, every channel's boundary response
# against its periodicity, or the change of the codes between the clean and the compressed LR image.
# The encoder runs once per model and image (cached); switching views only redraws.

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

from explain.notebooks import needs_reference, setup

ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

# %%
from explain.widgets import LatentView

view = LatentView(models, sc.lr, reference=sc.lr_clean, view="PCA")
display(view)

# %%
view.set(view="top channels", by="boundary", k=4)   # what the pickers do
print(view.text)
other = next((n for n in models if n != focus), focus)
view.set(model=other)
print(view.text)
if sc.has_reference:
    view.set(view="difference")

# %% [markdown]
# ## Does the change of the codes follow the block grid?
#
# Mean ‖f(JPEG) − f(clean)‖ on LR pixels at a block edge (first/last row or column of a block) against
# the pixels inside blocks.

# %%
from explain.probes.stats import boundary_mask

edge = boundary_mask(sc.lr.shape[:2])
change = {}
for name in models if needs_reference(sc, "the change of the codes from the clean LR image") else ():
    res = view.features(name)
    d = res.difference_norm
    change[name] = (float(d[edge].mean()), float(d[~edge].mean()))
    print(f"{name}: code change at block edges {change[name][0]:.3g}, inside blocks {change[name][1]:.3g} "
          f"(ratio {change[name][0] / change[name][1]:.2f})")

# %% [markdown]
# ## What this notebook measured

# %%
lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.describe()}.*", ""]
for name in models:
    res = view.features(name)
    br = np.nan_to_num(res.boundary_response)
    lines.append(f"- **{name}**: {int((br > 1.5).sum())} of {res.channels} channels jump ≥ 1.5× more across "
                 f"block edges than inside (median {np.median(br):.2f}); median periodicity "
                 f"{np.nanmedian(res.periodicity):.3f} vs white-noise {res.periodicity_chance:.3f}"
                 + (f"; code change edge/inside {change[name][0] / change[name][1]:.2f}." if change else "."))
display(Markdown("\n".join(lines)))
