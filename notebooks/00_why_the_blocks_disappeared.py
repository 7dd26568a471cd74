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
# # Why did the blocks disappear?
#
# You enlarge an old web JPEG, full of 8×8 compression blocks, with an AI upscaler, and the blocks
# disappear. **What clues does the model use to rebuild detail where compression damaged the image?**
#
# This notebook answers the question end to end on one image — by default scikit-image's *astronaut*;
# set `image` in the next cell to the path of your own photo — with the LIIF models named there: by
# default the paper's checkpoint, its twin fine-tuned on JPEG-compressed inputs, and the clean control
# fine-tuned the same way on clean inputs (the set-up cell lists them from their model cards). It
#
# 1. compresses the image (bicubic downscale ×`scale`, JPEG at `quality`), or takes your JPEG as it is
#    (`quality = "as is"`; then nothing can be measured against a clean original, and those steps say so);
# 2. upscales it back with LIIF and with bicubic and measures the blocking that is left;
# 3. finds the blockiest window;
# 4. asks which low-resolution (LR) pixels feed that window (gradient attribution: LAM and integrated
#    gradients from a coarser-JPEG baseline) and checks that the maps depend on the weights;
# 5. looks at the local ensemble and the latent features there;
# 6. repeats the attribution over JPEG qualities;
#
# and closes with a conclusion whose numbers are all computed below. With `EXPLAIN_QUICK=1` (the test
# suite) it works on a 64-pixel LR crop around the blockiest region with few integration steps, so its
# numbers differ from a full run. To run it headless on your photo:
# `liif-explain notebook 00 --image PHOTO.jpg --quality as-is --html out.html`.

# %% tags=["parameters"]
from explain.models.names import CLEAN_CONTROL, DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 20  # JPEG quality after the downscale, or "as is": the image itself is the compressed input
scale = 4  # downscale / upscale factor
models = [*DEFAULT_MODELS, CLEAN_CONTROL]  # names or checkpoint paths; the first JPEG-trained one is the focus

# %%
# %matplotlib inline
import numpy as np
from IPython.display import Markdown, display

import explain
from explain.notebooks import needs_reference, pct, per_model, setup

ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

# %% [markdown]
# ## 1. Compress
#
# The HR image is downscaled ×`scale` the way LIIF's benchmarks do it (PIL bicubic on 8-bit values) and
# JPEG-compressed at `quality` with 4:2:0 chroma subsampling. The JPEG block grid starts at the LR
# image's top-left corner (phase (0, 0)), so blocks are LR rows/columns 0–7, 8–15, … (An image taken as is
# is assumed uncropped since its encoding, so its grid has that phase too.)

# %%
from explain.figures import plot_crops, plot_overview
from explain.metrics import blocking_stats

blk = {"JPEG LR": blocking_stats(sc.lr)}
if needs_reference(sc, "the clean LR image"):
    print(f"clean LR vs JPEG LR: PSNR-Y {explain.psnr_y(sc.lr_clean, sc.lr):.2f} dB")
    blk = {"clean LR": blocking_stats(sc.lr_clean), **blk}
for k, v in blk.items():
    print(f"{k:>9}: mean squared jump across block edges / inside blocks = {v.d_b / v.d_bc:.2f}, "
          f"BEF {v.bef:.2e}")

# %% [markdown]
# ## 2. Upscale: LIIF vs bicubic
#
# The models and bicubic upscale the JPEG ×`scale`. Quality is measured against the original: PSNR-Y and
# SSIM (BT.601 luma, a border of `scale` pixels shaved), and PSNR-B, which also penalises blocking on the
# (8·`scale`)-pixel grid that the 8×8 LR blocks become.

# %%
H, W = sc.output_size
sr = {"bicubic": explain.upscale_bicubic(sc.lr, size=(H, W))}
for name, m in models.items():
    sr[name] = explain.upscale(m, sc.lr, size=(H, W))
grid = 8 * sc.scale
metrics = {}
if needs_reference(sc, "PSNR-Y, SSIM and PSNR-B"):
    metrics = {k: {"PSNR-Y": explain.psnr_y(sc.hr, v, shave=sc.scale),
                   "SSIM": explain.ssim(sc.hr, v, shave=sc.scale),
                   "PSNR-B": explain.psnr_b(sc.hr, v, block_size=grid, shave=sc.scale)} for k, v in sr.items()}
    width = max(map(len, metrics)) + 2
    print(f"{'output':<{width}}{'PSNR-Y':>8}{'SSIM':>8}{'PSNR-B':>8}")
    for k, v in metrics.items():
        print(f"{k:<{width}}{v['PSNR-Y']:8.2f}{v['SSIM']:8.4f}{v['PSNR-B']:8.2f}")

# %% [markdown]
# ## 3. The blockiest window
#
# `explain.blockiest_window` slides a 16×16 LR window over the JPEG and returns the one with the highest
# local blocking measure (Yim & Bovik's D_B − D_B^c: squared jumps across block edges minus those inside
# blocks). We explain the 8×8 JPEG block at its centre: (8·`scale`)² output pixels. Around it (one block
# of margin) we measure how much blocking each output keeps: the ratio of mean squared jumps across the
# block edges of the output to those inside blocks (1 means no visible grid).

# %%
r, c, hh, ww = window
R0, C0 = max(0, r - grid), max(0, c - grid)
R1, C1 = min(H, r + hh + grid), min(W, c + ww + grid)
region = (R0, C0, R1 - R0, C1 - C0)  # the window plus one block around it (grid-aligned)
shown = {"ground truth": sc.hr} if sc.has_reference else {}
shown.update({"JPEG input (nearest)": np.kron(sc.lr, np.ones((sc.scale, sc.scale, 1))), **sr})
edge_ratio = {}
for k, v in shown.items():
    st = blocking_stats(v[R0:R1, C0:C1], block_size=grid)
    edge_ratio[k] = st.d_b / st.d_bc
captions = {k: f"edge/inside jump ratio {v:.2f}" for k, v in edge_ratio.items()}
display(plot_overview(sr["bicubic"], window, f"explained block {window}"))
display(plot_crops(shown, region, captions, block=grid, ncols=len(shown)))

# %% [markdown]
# ## 4. Attribution: which LR pixels feed the window's detail?
#
# The window's detail is measured by LAM's gradient detector (sum of the Sobel gradient magnitude over the
# window). Two attribution methods:
#
# * **LAM** (Gu & Dong, CVPR 2021): integrated gradients along a progressive-blur path from a blurred LR
#   image to the real one;
# * **integrated gradients from a JPEG baseline**: the straight path from the same image compressed at
#   quality 5 (a much coarser JPEG) — it credits the detail that a coarser JPEG would have removed.
#
# From each map: the **Diffusion Index** (DI = (1 − Gini)·100, high = spread out) and the **block
# shares**: the fraction of |attribution| in the window's own block, in the 8 neighbouring blocks and
# beyond, and how strongly block-edge pixels are over-represented ("edge enrichment", 1 = as their area).

# %%
from explain.figures import plot_attribution, plot_attribution_comparison, plot_sanity_check
from explain.widgets.attribution import format_rows, summary_row

att = {}
for name, m in models.items():
    att[(name, "LAM")] = explain.attribute(m, sc.lr, window, scale=sc.scale, method="lam", steps=S.steps,
                                           target="gradient")
    att[(name, "IG, JPEG q=5 baseline")] = explain.attribute(
        m, sc.lr, window, scale=sc.scale, method="integrated_gradients", baseline="jpeg", jpeg_quality=5,
        steps=S.steps, target="gradient")
print(format_rows([summary_row(f"{n} · {meth}", res) for (n, meth), res in att.items()]))
display(plot_attribution(att[(focus, "LAM")], sc.lr, sr[focus], title=f"{focus} · LAM"))
display(plot_attribution_comparison({f"{n}\n{meth}": res for (n, meth), res in att.items()}, sc.lr))

# %% [markdown]
# **Is the map about the model?** Adebayo et al.'s randomisation test (NeurIPS 2018) re-initialises all
# weights and recomputes the map; a faithful map should change. The plain |map| correlation stays high
# for any convolutional net (all maps fall off with distance from the window), so the signed correlation
# and the correlation on the pixels holding 95 % of the attribution ("core") are the sharper tests.

# %%
sanity = explain.sanity_check(models[focus], sc.lr, window, scale=sc.scale, method="lam", steps=S.steps,
                              target="gradient")
print(f"{focus}, after randomising every weight: Spearman |map| {sanity.spearman[0]:.2f}, "
      f"signed {sanity.spearman_signed[0]:.2f}, core {sanity.spearman_core[0]:.2f}")
display(plot_sanity_check(sanity))

# %% [markdown]
# ## 5. The local ensemble at the window
#
# LIIF predicts each output pixel from the 4 latent codes around it and blends the 4 predictions with
# bilinear area weights. Where the predictions disagree, the blend does real work; without it the output
# would jump at every LR cell boundary.

# %%
from explain.figures import plot_ensemble
from explain.widgets.ensemble import summarise as ensemble_summary

ens = {name: explain.ensemble_weights(m, sc.lr, window, scale=sc.scale) for name, m in models.items()}
for name, e in ens.items():
    print(ensemble_summary(name, e))
display(plot_ensemble(ens[focus]))

# %% [markdown]
# ## 6. Latent features
#
# The encoder turns every LR pixel into a code (64 channels for an EDSR-baseline encoder). We compare the
# codes of the JPEG with those of the clean LR image (where there is one) and score each channel for how
# much it jumps at block boundaries (boundary response, 1 = no preference) and how much of its spectrum sits
# at the 8-pixel period (periodicity).

# %%
from explain.figures import plot_channel_scores, plot_latent_pca
from explain.widgets.latent import summarise as latent_summary

lat = {name: explain.latent_features(m, sc.lr, reference=sc.lr_clean) for name, m in models.items()}
for name, res in lat.items():
    print(latent_summary(name, res), end="\n\n")
display(plot_latent_pca(lat[focus], sc.lr))
display(plot_channel_scores(lat[focus]))

# %% [markdown]
# ## 7. Attribution against JPEG quality
#
# The same window, compressed at several qualities: how spread out is the attribution (DI) and how much of
# it comes from the neighbouring blocks?

# %%
import matplotlib.pyplot as plt

sweep = []
qualities = S.qualities if needs_reference(sc, "re-coding the image at other JPEG qualities") else ()
for q in qualities:
    lr_q, info_q = explain.compress(sc.lr_clean, "jpeg", quality=q, subsampling="4:2:0")
    for name, m in models.items():
        res = explain.attribute(m, lr_q, window, scale=sc.scale, method="lam", steps=S.steps, target="gradient")
        sweep.append({"quality": q, "bpp": info_q.bpp, "model": name, "DI": res.di,
                      "DI (receptive box)": res.di_receptive, "own": res.block_shares["own"],
                      "neighbours": res.block_shares["neighbours"]})
if sweep:
    width = max(map(len, models)) + 2
    print(f"{'q':>3}{'bpp':>7}  {'model':<{width}}{'DI':>7}{'DI box':>8}{'own':>7}{'neighb.':>9}")
    for row in sweep:
        print(f"{row['quality']:3d}{row['bpp']:7.3f}  {row['model']:<{width}}{row['DI']:7.3f}"
              f"{row['DI (receptive box)']:8.2f}{100 * row['own']:6.1f}%{100 * row['neighbours']:8.1f}%")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for name in models:
        rows = [r for r in sweep if r["model"] == name]
        axes[0].plot([r["quality"] for r in rows], [r["DI (receptive box)"] for r in rows], "-o", label=name)
        axes[1].plot([r["quality"] for r in rows], [100 * r["neighbours"] for r in rows], "-o", label=name)
    axes[0].set_ylabel("DI over the receptive box (0–100)")
    axes[1].set_ylabel("attribution from neighbouring blocks (%)")
    for ax in axes:
        ax.set_xlabel("JPEG quality (1–100)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    plt.show()


# %% [markdown]
# ## Conclusion
#
# The cell below writes the answer from the numbers computed above (nothing in it is typed in by hand).

# %%
names = list(models)
lam = {n: att[(n, "LAM")] for n in names}
ig = {n: att[(n, "IG, JPEG q=5 baseline")] for n in names}
inp = "JPEG input (nearest)"
mode = f"Quick mode (64-px LR crop, {S.steps} steps)" if S.quick else "Full mode"
lines = [f"*{mode}: {sc.describe()}; ×{sc.scale}; explained window = the 8×8 JPEG block at LR "
         f"{choice.block_lr}; explained in detail: {focus}.*", ""]
item = (f"1. **Blocking left in the output.** Around the window, the ratio of squared jumps across the "
        f"{grid}-px block edges to jumps inside blocks is {edge_ratio[inp]:.2f} for the JPEG input, "
        f"{edge_ratio['bicubic']:.2f} after bicubic, and after the models "
        f"{per_model({n: edge_ratio[n] for n in names})}")
item += f" (ground truth {edge_ratio['ground truth']:.2f})." if sc.has_reference else "."
if metrics:
    best = max(names, key=lambda k: metrics[k]["PSNR-B"])
    item += (f" Whole image PSNR-B: {per_model({k: v['PSNR-B'] for k, v in metrics.items()}, suffix=' dB')} "
             f"(best model: {best}).")
lines.append(item)
wide = max(names, key=lambda n: lam[n].di)
lines += [
    f"2. **Where the clues come from (LAM).** Share of the window's attribution from its own block: "
    f"{per_model({n: lam[n].block_shares['own'] for n in names}, '{:.1%}')}; from the 8 neighbouring blocks: "
    f"{per_model({n: lam[n].block_shares['neighbours'] for n in names}, '{:.1%}')}. Block-edge pixels carry "
    f"{per_model({n: lam[n].block_shares['boundary_enrichment'] for n in names}, suffix='×')} their area share. "
    f"DI: {per_model({n: lam[n].di for n in names}, '{:.3f}')} ({wide} spreads widest).",
    f"3. **Detail a coarser JPEG would remove (IG from q=5).** Neighbouring blocks: "
    f"{per_model({n: ig[n].block_shares['neighbours'] for n in names}, '{:.1%}')}; completeness gaps "
    f"{per_model({n: ig[n].relative_delta for n in names}, '{:.3f}')} of F(x) − F(baseline).",
    f"4. **The maps depend on the weights.** After randomising {focus}, the signed map's rank "
    f"correlation with the original is {sanity.spearman_signed[0]:.2f} (core {sanity.spearman_core[0]:.2f}).",
]
near = ens[focus].near_block_boundary()
on = {n: float(e.disagreement[near].mean()) for n, e in ens.items()}
off = {n: float(e.disagreement[~near].mean()) for n, e in ens.items()}
lines.append(
    f"5. **The local ensemble at block edges.** Within ½ LR px of a block boundary the 4 codes' predictions "
    f"disagree by {per_model(on, '{:.4f}')} vs {per_model(off, '{:.4f}')} elsewhere in the window: the blend "
    f"does {'more' if on[focus] > off[focus] else 'less'} work at the edges for {focus}.")
br = {k: int((np.nan_to_num(v.boundary_response) > 1.5).sum()) for k, v in lat.items()}
item = (f"6. **Latent codes and the grid.** Channels jumping ≥ 1.5× more across block edges than inside: "
        f"{per_model(br, '{:d}')} (of {lat[focus].channels})")
if sc.has_reference:
    change = {k: v.difference_norm.mean() for k, v in lat.items()}
    item += f"; mean code change JPEG vs clean {per_model(change, '{:.3g}')}"
lines.append(item + ".")
if sweep:
    lines += ["", "7. **DI and neighbour share against JPEG quality** (LAM, same window):", "",
              "| JPEG q | bpp | model | DI | DI (receptive box) | from neighbouring blocks |",
              "|---:|---:|---|---:|---:|---:|"]
    lines += [f"| {r['quality']} | {r['bpp']:.3f} | {r['model']} | {r['DI']:.3f} | {r['DI (receptive box)']:.2f} "
              f"| {pct(r['neighbours'])} |" for r in sweep]
# the answer in one paragraph, from the same numbers
more = "more" if edge_ratio[focus] < edge_ratio["bicubic"] else "less"
answer = (
    f"**Answer.** Around the blockiest block, {focus} leaves a block-edge jump ratio of {edge_ratio[focus]:.2f} "
    f"where the JPEG input has {edge_ratio[inp]:.2f} and bicubic {edge_ratio['bicubic']:.2f}: it removes {more} "
    f"of the grid than bicubic. To rebuild the block's detail it takes {pct(lam[focus].block_shares['neighbours'])} "
    f"of its evidence from the 8 neighbouring blocks (LAM), which JPEG coded independently of it, and block-edge "
    f"pixels weigh {lam[focus].block_shares['boundary_enrichment']:.2f}× their area share.")
if sweep:
    lo = {r["model"]: r["neighbours"] for r in sweep if r["quality"] == min(qualities)}
    hi = {r["model"]: r["neighbours"] for r in sweep if r["quality"] == max(qualities)}
    answer += (f" The neighbour share at q={min(qualities)} and q={max(qualities)}: "
               + "; ".join(f"{n} {pct(lo[n])} and {pct(hi[n])}" for n in names) + ".")
display(Markdown(answer + "\n\n" + "\n".join(lines)))
