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
# # Region-priority coding and the information in the latent codes
#
# Two questions from recent compression research, asked of the LIIF models in `models` (by default the
# paper's checkpoint, its JPEG twin and the clean control), on your `image` (×`scale`, 2 by default).
#
# 1. **Tell the codec what is worth compressing** (SDComp, arXiv 2408.08575): at the same total bit
#    rate, code the region where the SR model's attribution concentrates at a high JPEG quality and the
#    rest at a low one. Does the upscale improve inside the region, and what does it cost outside?
# 2. **What do the latents carry?** (LCL, arXiv 2406.07543, trains encoders to maximise the information
#    their latents carry.) Linear probes read the 8×8 block phase, the codec and the JPEG quality from a
#    single latent code; an InfoNCE lower bound measures how much a code says about the clean HR patch.

# %% tags=["parameters"]
from explain.models.names import CLEAN_CONTROL, DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
scale = 2  # downscale / upscale factor
models = [*DEFAULT_MODELS, CLEAN_CONTROL]  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
from IPython.display import Markdown, display

import explain
from explain.notebooks import study_setup

S, models, focus = study_setup(image, scale, models)  # quick mode when EXPLAIN_QUICK=1: small crops, few steps

# %% [markdown]
# ## Region-priority vs uniform JPEG at equal rate
#
# The two-quality code is counted MCU by MCU from real JPEG streams (see
# `explain.studies.region_coding`): it never uses more bytes than the uniform JPEG it is compared with.
# The region is where the attribution of the model in focus concentrates.

# %%
from pathlib import Path

from explain.figures.studies import plot_region_coding
from explain.studies import region_coding as rc
from explain.studies._common import load_hr

# quick: a 128-px HR crop (a 64-px LR image, 16 MCUs), at 2 bpp so that a two-quality code fits its headers
hr = load_hr(image, S.scale, crop=128 if S.quick else None)
name = Path(image).stem if Path(image).is_file() else image
target_bpp = 2.0 if S.quick else 0.6
region = rc.region_coding(hr, S.scale, models, target_bpp=target_bpp, region="attribution",
                          area=0.25, attribution_model=models[focus], name=name)
study = rc.RegionStudy([region], {"scale": S.scale, "target_bpp": target_bpp})
display(Markdown(rc.render_markdown(study)))
display(plot_region_coding(region))

# %% [markdown]
# ## Linear probes and InfoNCE bounds on the latent codes
#
# Train and test codes come from different images; 'input 3×3' reads the decoded pixels instead of the
# code. If a JPEG-trained model's codes predicted the block phase far above chance, the model would
# represent where it sits in the JPEG grid. Your image comes first in the image list (a training image).

# %%
from explain.codecs import available_codecs
from explain.figures.studies import plot_probe_accuracies
from explain.studies import latent_information as li

# quick: 2 images (the second is the test image), 2 codecs (JPEG and the next one Pillow has), 3 JPEG quality bins
images = [image] + [n for n in explain.DEFAULT_IMAGES if n != image][: 1 if S.quick else None]
info = li.latent_information(models, images=images, scale=S.scale,
                             crop=192 if S.quick else 256, per_image=128 if S.quick else 1024,
                             codecs=available_codecs()[:2] if S.quick else None,
                             quality_bins=(10, 50, 90) if S.quick else li.DEFAULT_QUALITY_BINS,
                             steps=40 if S.quick else 300, probe_steps=20 if S.quick else 100,
                             progress=False)
display(Markdown(li.render_markdown(info)))
display(plot_probe_accuracies(info))

# %% [markdown]
# ## What this notebook measured

# %%
gains = study.mean_gains()
lines = [f"*{'Quick' if S.quick else 'Full'} mode.*", "",
         f"- Region coding ({name}, {100 * region.region_share:.0f} % of pixels, JPEG q{region.code['high_quality']}"
         f" / q{region.code['low_quality']} vs uniform q{region.uniform_quality} at {region.uniform_bpp:.2f} bpp): "
         + "; ".join(f"{m} {g['inside']:+.2f} dB inside, {g['outside']:+.2f} dB outside" for m, g in gains.items()
                     if m != "decoded") + "."]
for task in ("row phase (8)", "block phase (64)", f"codec ({len(info.params['codecs'])})"):
    accs = ", ".join(f"{m} {100 * info.accuracy(task, m):.1f} %" for m in models)
    chance = next(p.chance for p in info.probes if p.task == task)
    lines.append(f"- {task}: {accs} (chance {100 * chance:.1f} %).")
display(Markdown("\n".join(lines)))
