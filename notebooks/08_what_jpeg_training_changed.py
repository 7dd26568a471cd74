# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What JPEG training changed
#
# The JPEG twin `liif-edsr-jpeg` and its control `liif-edsr-clean` were fine-tuned from the same checkpoint
# with the same data, steps and schedule; only the twin saw JPEG-compressed inputs. So the difference between
# their weights is what learning JPEG changed — exactly the setting of FAIG (Xie et al., *Finding
# Discriminative Filters for Specific Degradations in Blind Super-Resolution*, NeurIPS 2021):
#
# 1. **score** every filter unit (each (out, in) slice of a convolution kernel, each entry of a Linear weight)
#    by integrated gradients *in weight space* along control → twin of the loss against the original, on JPEG
#    input minus on clean input (a fixed, seeded scoring set of scikit-image crops, sampled query pixels);
# 2. **check** by swapping: put the control's values back into the twin's top units and measure how much of
#    the twin's JPEG advantage goes (against the units that changed most, |Δθ|, plain IG of the twin, and
#    random units), on evaluation images that are not in the scoring set;
# 3. **look** at the top units: where they sit, their feature maps on a blocky JPEG and on the same image
#    clean, and whether they fire on 8×8 block edges;
# 4. **slide** from the twin to the control on the blockiest window of your `image`.
#
# The full run is `liif-explain skill` (cached per pair of weights; this notebook reads the same cache). With
# `EXPLAIN_QUICK=1` (the test suite) it scores on two tiny crops with 2 path steps and evaluates on one small
# crop (96² HR), so its numbers differ from a full run.

# %% tags=["parameters"]
from explain.models.names import CLEAN_CONTROL, DEFAULT_MODELS, JPEG_TWIN

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo (the slider's window)
quality = 30  # JPEG quality after the downscale
scale = 4  # downscale / upscale factor (the study scores and evaluates at this scale too)
models = [CLEAN_CONTROL, JPEG_TWIN]  # the control, then the twin: two models of one architecture
origin = DEFAULT_MODELS[0]  # the authors' model, the common ancestor of the twin and the control

# %%
# %matplotlib inline
import numpy as np
from IPython.display import Markdown, display

from explain.notebooks import setup

ctx = setup(image, quality, scale, models, require_original=True)
S, sc = ctx.settings, ctx.scene
control_name, twin_name = list(ctx.models)[:2]
control, twin = ctx.models[control_name], ctx.models[twin_name]

# %% [markdown]
# ## 1–2. Scores and swap curves
#
# The table gives, per % of units swapped, the share of the twin's JPEG advantage (its gain over bicubic minus
# the control's, on JPEG input) that the swap removes; 100 % is the control exactly.

# %%
from explain.studies.skill import EvalSettings, ScoringSettings, render_markdown, skill

if S.quick:
    scoring = ScoringSettings(images=("astronaut", "coffee"), scale=S.scale, patch=16, queries=128,
                              quality=S.quality, steps=2)
    evaluation = EvalSettings(images=("camera",), crop=96, fractions=(0.01, 0.05, 1.0), random_seeds=(0,),
                              view_units=16)
else:
    scoring = ScoringSettings(scale=S.scale, quality=S.quality)
    evaluation = EvalSettings()
result = skill(control, twin, scoring, evaluation, use_cache=not S.quick, progress=not S.quick)
display(Markdown(render_markdown(result)))

# %%
from explain.figures.skill import plot_swap_curves

display(plot_swap_curves(result))

# %% [markdown]
# ## 3. Where the top units sit, and what they respond to
#
# Bars: the share of each layer's units among the top 1 % by FAIG (the number: how many).

# %%
from explain.figures.skill import plot_layer_top

display(plot_layer_top(result, 0.01))

# %% [markdown]
# The best units' feature maps (their contribution to their output channel, on the LR grid with the 8×8 JPEG
# grid) on a blocky JPEG evaluation crop and on the same crop clean, then their block-edge enrichment: mean
# |activation| on pixels next to an 8×8 boundary over the mean inside blocks, against random units of the same
# layers.

# %%
from explain.figures.skill import plot_enrichment, plot_unit_maps

display(plot_unit_maps(result))
display(plot_enrichment(result))

# %% [markdown]
# ## Do those units fire on this photo's blockiest block?
#
# The paragraph the answer carries: where JPEG training changed the model, what the top 1 % carry, and their
# activation on the explained block of your `image` against the photo's median block.

# %%
from explain.studies.skill import skill_paragraph

fraction = 0.01 if 0.01 in set(np.round(result.fractions, 6)) else float(result.fractions[0])
display(Markdown(skill_paragraph(result, twin, sc.lr, [ctx.choice.block_lr], phase=(0, 0), fraction=fraction)))

# %% [markdown]
# ## 4. From the twin to the control, one fraction at a time
#
# The twin's output on the blockiest window of your `image` as its top FAIG units go back to the control's
# values: the twin, the swapped twin, the control, and how far the swapped output moved from the twin. In
# JupyterLab the slider redraws the window (an exported copy shows the first position).

# %%
from explain.widgets import SwapView

r, c, _, _ = ctx.choice.window_lr
side = 16
window_lr = (int(np.clip(r, 0, sc.lr.shape[0] - side)), int(np.clip(c, 0, sc.lr.shape[1] - side)), side, side)
swap_view = SwapView(twin, control, result.rankings["faig"], sc.lr, window_lr, S.scale,
                     fractions=(0.01, 0.05) if S.quick else (0.005, 0.01, 0.02, 0.05, 0.1))
display(swap_view)

# %% [markdown]
# ## The path from the authors' model
#
# Both twins start from `origin` (the authors' checkpoint). FAIG along origin → twin mixes JPEG with what plain
# extra training changed; along origin → control it is plain extra training alone. Units in the top 1 % of
# both are not JPEG units; the control → twin ranking above leaves them out by construction.

# %%
from explain.studies.skill.origin import origin_overlap

if S.quick:
    print(f"skipped in quick mode: the path from {origin} needs {origin} and two more scorings")
else:
    display(Markdown(origin_overlap(origin, control, twin, result, scoring).markdown()))

# %% [markdown]
# ## What this notebook measured

# %%
i = int(np.argmin(np.abs(result.fractions - fraction)))
lines = [f"*{'Quick' if S.quick else 'Full'} mode: {result.meta['from']} → {result.meta['to']}, "
         f"{result.units.count:,} units, scoring {result.meta['scores']['seconds']:.0f} s, "
         f"{len(result.eval_names)} evaluation image(s).*", "",
         f"- The twin's JPEG advantage on the evaluation images: {result.advantage('jpeg'):+.2f} dB.",
         f"- Swapping the top {100 * fraction:g} % by FAIG removed {100 * result.removed('faig')[i]:.0f} % of it; "
         f"|Δθ| {100 * result.removed('absdelta')[i]:.0f} %, IG of the twin alone "
         f"{100 * result.removed('ig-twin')[i]:.0f} %, random {100 * result.removed('random')[i]:.0f} %.",
         f"- Block-edge enrichment of the top units: median {np.nanmedian(result.views['enrichment']):.2f}× on "
         f"JPEG input vs {np.nanmedian(result.views['random_enrichment']):.2f}× for random units of the same "
         "layers."]
display(Markdown("\n".join(lines)))
