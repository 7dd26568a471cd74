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
# # Comparing codecs
#
# JPEG's 8×8 blocks are one kind of damage; WebP, JPEG 2000 and AVIF damage images differently. Pick a
# codec and a quality (or a target bit rate): the view shows the decoded LR image, its error, the
# upscales around the explained window with their PSNR-Y, and the attribution statistics of the window
# per model. Move the window with the sliders or a click on the clean LR image (which marks it; the
# click needs `ipympl`). Below, the same at a matched bit rate for every codec, and rate–distortion
# curves. Codecs are compared on a clean original, so `quality` cannot be "as is" here.

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

from explain.notebooks import pct, setup

ctx = setup(image, quality, scale, models, require_original=True)  # quick mode when EXPLAIN_QUICK=1: 64-px crop
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

# %%
from explain.widgets import CodecView

view = CodecView(models, sc.hr, scale=sc.scale, window=window, codec="jpeg", quality=sc.quality,
                 steps=S.steps, target="gradient", progress=False)
display(view)

# %% [markdown]
# ## All codecs at the JPEG's bit rate
#
# Each codec is set to the bit rate of the JPEG at `quality` (closest setting), then the window is explained
# with LAM (gradient detector, as in notebook 00). Block shares refer to the 8×8 LR grid, which only
# JPEG (and, partly, WebP's 4×4/16×16 transform blocks) actually has.

# %%
from explain.codecs import available_codecs

matched = {}
for codec in available_codecs():
    view.set(codec=codec, mode="target bpp", bpp=round(sc.info.bpp, 2))
    matched[codec] = view.result
    print(view.text, end="\n\n")

# %% [markdown]
# ## Rate–distortion
#
# Bits per LR pixel against PSNR-Y of the decoded LR image (vs the clean LR image) and of each upscale
# (vs the HR original; in quick mode only over a 128-pixel square around the window).

# %%
from explain.figures.studies import plot_rate_distortion
from explain.studies.rate_distortion import format_curves, rate_distortion

codecs = [c for c in (S.rd_codecs or available_codecs()) if c in available_codecs()]
rd_region = None  # the whole image, or in quick mode a square around the window:
if S.rd_region:
    side = min(S.rd_region, *sc.hr.shape[:2])
    cy, cx = window[0] + window[2] // 2, window[1] + window[3] // 2
    rd_region = (int(np.clip(cy - side // 2, 0, sc.hr.shape[0] - side)),
                 int(np.clip(cx - side // 2, 0, sc.hr.shape[1] - side)), side, side)
rd = rate_distortion(sc.hr, models, codecs=codecs, bpps=S.rd_bpps, scale=sc.scale, region=rd_region,
                     progress=False)
print(format_curves(rd))
display(plot_rate_distortion(rd, title=f"{sc.image}, ×{sc.scale}"))

# %% [markdown]
# ## What this notebook measured

# %%
names = list(models)
lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.describe()}; matched rate ≈ {sc.info.bpp:.2f} bpp.*", "",
         "| codec | bpp | LR PSNR-Y | bicubic | " + " | ".join(names) + f" | {focus} DI | {focus} from neighbours |",
         "|---|---:|---:|---:|" + "---:|" * len(names) + "---:|---:|"]
for codec, res in matched.items():
    row = {r["model"]: r for r in res["rows"]}
    lines.append(f"| {codec} | {res['info'].bpp:.3f} | {res['psnr_lr']:.2f} | {res['psnr_sr']['bicubic']:.2f} | "
                 + " | ".join(f"{res['psnr_sr'][n]:.2f}" for n in names)
                 + f" | {row[focus]['DI']:.3f} | {pct(row[focus]['neighbour blocks'])} |")
best = max(matched, key=lambda k: matched[k]["psnr_sr"][focus])
lines += ["", f"- At the matched rate, {focus}'s best input comes from **{best}** (region PSNR-Y "
              f"{matched[best]['psnr_sr'][focus]:.2f} dB)."]
for codec, c in rd.items():
    gain = c.psnr_sr[focus] - c.psnr_sr["bicubic"]
    lines.append(f"- {codec}: {focus} − bicubic over the RD points {np.round(gain, 2).tolist()} dB "
                 f"(at {np.round(c.bpp, 2).tolist()} bpp).")
display(Markdown("\n".join(lines)))
