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
# # Gradient attribution, interactively
#
# Pick an output window (the sliders, or a click on the LR image on the left of the view, which marks the
# current window; the click needs `ipympl`, in the `lab` extra), a method, the number of steps and a
# baseline. The view shows the |attribution| map with the 8×8 JPEG grid, the DI and the block shares for
# the models side by side, and on request the randomisation sanity check. Attributions are memoised:
# returning to a window costs nothing.

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 20  # JPEG quality after the downscale, or "as is": the image itself is the compressed input
scale = 4  # downscale / upscale factor
models = list(DEFAULT_MODELS)  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import explain
from explain.notebooks import pct, setup

ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

# %%
from explain.widgets import AttributionView

view = AttributionView(models, sc.lr, scale=sc.scale, window=window, method="lam", steps=S.steps,
                       target="gradient", baseline="jpeg")
display(view)

# %% [markdown]
# ## Driving the view from code
#
# Everything a slider or a click does can be done from code; the view keeps its numbers in `view.rows`
# and its maps in `view.results`.

# %%
first = {r["model"]: r for r in view.rows}
view.set(method="integrated_gradients", baseline="jpeg")   # IG from a q=5 JPEG
ig = {r["model"]: r for r in view.rows}
print(view.text)
view.set(method="lam")
r, c, side, _ = window
step = 8 * sc.scale if r + side + 8 * sc.scale <= view.out_size[0] else -8 * sc.scale
direction = "down" if step > 0 else "up"
view.pick(r + side // 2 + step, c + side // 2)       # what a click one block further down (or up) does
moved = {row["model"]: row for row in view.rows}
print("window now", view.window)
print(view.text)

# %% [markdown]
# ## Sanity check
#
# Adebayo et al. (2018): re-initialise every weight of the view's first model and recompute the map. A
# faithful map changes; the signed and "core" rank correlations are the telling ones.

# %%
view.pick(r + side // 2, c + side // 2)  # back to the explained block (memoised: no recomputation)
sanity = view.run_sanity_check()
print(f"{next(iter(models))}, Spearman after randomisation: |map| {sanity.spearman[0]:.2f}, "
      f"signed {sanity.spearman_signed[0]:.2f}, core {sanity.spearman_core[0]:.2f}")
display(view.sanity_figure)

# %% [markdown]
# ## Deletion curve
#
# Replace the most-attributed LR pixels by a blurred copy and watch the window's target move, against the
# same number of random pixels: a map that found the pixels that matter moves it faster.

# %%
from explain.figures import plot_deletion_curve

curves = {name: explain.deletion_curve(models[name], sc.lr, view.results[name], n_random=2 if S.quick else 4)
          for name in models}
display(plot_deletion_curve(curves))

# %% [markdown]
# ## What this notebook measured

# %%
lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.describe()}; window {window}, {S.steps} steps.*", ""]
for name in models:
    lines.append(f"- **{name}**: LAM DI {first[name]['DI']:.3f}, own block {pct(first[name]['own blocks'])}, "
                 f"neighbours {pct(first[name]['neighbour blocks'])}; IG (JPEG baseline) neighbours "
                 f"{pct(ig[name]['neighbour blocks'])}; one block {direction}: DI {moved[name]['DI']:.3f}, "
                 f"neighbours {pct(moved[name]['neighbour blocks'])}. "
                 f"Deletion: top-attributed area {curves[name].area_attributed:.3g} vs random "
                 f"{curves[name].area_random:.3g}.")
lines.append(f"- Randomised weights of {next(iter(models))}: signed Spearman {sanity.spearman_signed[0]:.2f}, core "
             f"{sanity.spearman_core[0]:.2f}.")
display(Markdown("\n".join(lines)))
