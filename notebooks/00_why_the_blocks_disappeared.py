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
# # Why did the blocks disappear?
#
# You enlarge an old web JPEG, full of 8×8 compression blocks, with an AI upscaler, and the blocks
# disappear. **What clues does the model use to rebuild detail where compression damaged the image?**
#
# This notebook answers the question end to end on one image — by default scikit-image's *astronaut*;
# set `image` in the next cell to the path of your own photo — with the LIIF models named there: by
# default the paper's checkpoint `liif-edsr` and its twin fine-tuned on JPEG-compressed inputs,
# `liif-edsr-jpeg` (add `CLEAN_CONTROL` from `explain.models.names` for the twin fine-tuned on clean
# inputs). It
#
# 1. compresses the image (bicubic downscale ×`scale`, JPEG at `quality`), or takes your JPEG as it is
#    (`quality = "as is"`; then nothing can be measured against a clean original, and those steps say so);
# 2. upscales it back with LIIF and with bicubic and measures the whole-image quality;
# 3. **answers**: `explain.headline.explain_jpeg` finds the blockiest 8×8 blocks of the JPEG and explains each,
#    first causally — each clue is taken away and what the rebuilt block loses is measured, in dB against the
#    original (`explain.probes.causal`) — then with the clue taxonomy (`explain.probes.clues`: spatial,
#    frequency and channel clues, each with its faithfulness checks), and says the answer in words made from
#    those numbers — the very computation of `liif-explain tour` and `liif-explain explain`, so with the
#    default parameters this notebook prints the tour's answer and numbers;
# 3b. shows the causal clues of window 1 as a picture, and lets you take a neighbouring block's patterns away
#    with a click;
# 4. shows the explained windows and the blocking each output leaves there;
# 5. shows the clues of the first window;
# 6. looks at the local ensemble and the latent features there;
# 7. repeats the clues of that block over JPEG qualities;
#
# and closes with a conclusion whose numbers are all computed below. With `EXPLAIN_QUICK=1` (the test
# suite) it works on a 64-pixel LR crop around the blockiest region, one window and few integration steps, so
# its numbers differ from a full run. To run it headless on your photo:
# `liif-explain notebook 00 --image PHOTO.jpg --quality as-is --html out.html`.

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS

image = "astronaut"  # a default image (explain.DEFAULT_IMAGES) or the path of your photo
quality = 20  # JPEG quality after the downscale, or "as is": the image itself is the compressed input
scale = 4  # downscale / upscale factor
models = list(DEFAULT_MODELS)  # names or checkpoint paths; the answer speaks about the first with "jpeg" in its name

# %%
# %matplotlib inline
import numpy as np
from IPython.display import Markdown, display

import explain
from explain.notebooks import model_line, needs_reference, per_model, setup

ctx = setup(image, quality, scale, models, verbose=False)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop
S, sc, models = ctx.settings, ctx.scene, ctx.models
print(("QUICK MODE: " if S.quick else "full mode: ") + sc.describe())
if sc.cropped:
    print(f"(a crop at output pixels {sc.origin} of the image, around its blockiest region)")
for name, m in models.items():
    print(model_line(name, m))

# %% [markdown]
# ## 1. Compress
#
# The HR image is downscaled ×`scale` the way LIIF's benchmarks do it (PIL bicubic on 8-bit values) and
# JPEG-compressed at `quality` with 4:2:0 chroma subsampling. The JPEG block grid starts at the LR
# image's top-left corner (phase (0, 0)), so blocks are LR rows/columns 0–7, 8–15, … (An image taken as is
# is assumed uncropped since its encoding; the answer below detects its grid phase from the pixels.)

# %%
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
# The models and bicubic upscale the JPEG ×`scale`. Whole-image quality is measured against the original:
# PSNR-Y and SSIM (BT.601 luma, a border of `scale` pixels shaved), and PSNR-B, which also penalises
# blocking on the (8·`scale`)-pixel grid that the 8×8 LR blocks become.

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
    print(f"whole image\n{'output':<{width}}{'PSNR-Y':>8}{'SSIM':>8}{'PSNR-B':>8}")
    for k, v in metrics.items():
        print(f"{k:<{width}}{v['PSNR-Y']:8.2f}{v['SSIM']:8.4f}{v['PSNR-B']:8.2f}")

# %% [markdown]
# ## 3. The answer
#
# `explain_jpeg` reads the JPEG as a file (quality from its quantisation tables, chroma subsampling, the 8×8
# grid phase from the pixels), picks the blockiest non-overlapping 3×3-block windows (Yim & Bovik's
# D_B − D_B^c on luma) and explains the centre block of each with every model: **spatial** clues (LAM of the
# detail rebuilt in the block: shares of its own block, its 8 neighbouring blocks and beyond; block-edge
# enrichment; the Diffusion Index, over the whole map as LAM computes it and over the receptive box),
# **frequency** clues (the attribution on the blockwise DCT coefficients: DC, lowest AC u + v ≤ 2, higher AC)
# and **channel** clues (which input component each output component's detail draws on), with a
# weight-randomisation test (Adebayo et al. 2018) and completeness gaps. The words are generated from those
# numbers (`explain.report.words`).

# %%
from explain.headline import explain_jpeg, numbers_table, scene_photo

photo = scene_photo(sc)
effort = {"windows": 1, "lam_steps": S.steps, "ig_steps": max(2, S.steps // 2)} if S.quick else {}
original = sc.hr if sc.has_reference else None  # the causal clues are measured in dB against it when there is one
report = explain_jpeg(photo, models, scale=sc.scale, progress=False, original=original, **effort)  # no progress bar
focus = report.headline_model
print("\n\n".join(report.answer), end="\n\n")
print(numbers_table(report))
p = report.params
print(f"\n{p['lam_steps']} LAM steps, {p['ig_steps']} integrated-gradient nodes, coarser-JPEG baseline at quality "
      f"{p['baseline_quality']}; {report.seconds:.0f} s")

# %% [markdown]
# ## 3b. Take a clue away
#
# The answer above leads with the causal clues: the decoded JPEG's blockwise DCT is edited around the explained
# block (a neighbour's fine patterns, its AC coefficients, set to zero with the average colour kept; the same
# for all 8 neighbours, only their lowest or higher frequencies, the colour components, …), decoded back and
# upscaled again, and the block's output is compared with the original before and after (dB of PSNR-Y lost;
# without an original, the relative change). Each loss is weighed against a bicubic enlargement of the same edited
# image and against the control, a copy trained the same way on clean images (a network with random weights has no
# detail to lose, so comparing with it would prove nothing). The picture colours the block's 8 neighbours by what
# erasing each one costs, and shows where the block sits on the photo. Below it, click a neighbouring block on the
# LR image (JupyterLab with ipympl) to erase it and see the rebuilt block before and after; a click farther away
# explains the block there.

# %%
from explain.figures import plot_causal
from explain.widgets import CausalView

cz = report.windows[0].causal[focus]
display(plot_causal(cz, photo=sc.lr))
causal_view = CausalView({focus: models[focus]}, sc.lr, scale=sc.scale, block=report.windows[0].block,
                         grid_phase=tuple(report.facts.grid_phase), original=original,
                         baseline_quality=p["baseline_quality"], draws=4 if S.quick else 16)
display(causal_view)

# %% [markdown]
# ## 4. The explained windows
#
# The windows on the JPEG input (LR pixel axes), then window 1 upscaled by every output, in the same LR pixel
# frame with the 8×8 block grid: the explained block is outlined. Under each crop: how much blocking the
# output keeps there (the ratio of mean squared jumps across the (8·`scale`)-pixel block edges to those inside
# blocks; 1 means no visible grid) and, against the original, the crop PSNR-Y of the window (not the
# whole-image PSNR-Y of section 2).

# %%
from explain.figures.clues import plot_window_outputs, plot_windows

phase = tuple(report.facts.grid_phase)
w1 = report.windows[0]
r, c, hh, ww = w1.window_lr
R0, C0, R1, C1 = r * sc.scale, c * sc.scale, (r + hh) * sc.scale, (c + ww) * sc.scale
shown = {"ground truth": sc.hr} if sc.has_reference else {}
shown.update({"JPEG input (nearest)": np.kron(sc.lr, np.ones((sc.scale, sc.scale, 1))), **sr})
crops = {k: v[R0:R1, C0:C1] for k, v in shown.items()}
edge_ratio, crop_psnr = {}, {}
for k, v in crops.items():
    st = blocking_stats(v, block_size=grid, phase=((phase[0] * sc.scale - R0) % grid,
                                                   (phase[1] * sc.scale - C0) % grid))
    edge_ratio[k] = st.d_b / st.d_bc
    if sc.has_reference and k != "ground truth":
        crop_psnr[k] = explain.psnr_y(crops["ground truth"], v)
captions = {k: f"edge/inside jump ratio {v:.2f}" + (f"\ncrop PSNR-Y {crop_psnr[k]:.2f} dB" if k in crop_psnr else "")
            for k, v in edge_ratio.items()}
display(plot_windows(sc.lr, [w.window_lr for w in report.windows], phase))
display(plot_window_outputs(crops, w1.window_lr, w1.block_box, phase, ncols=min(len(crops), 4), captions=captions))

# %% [markdown]
# ## 5. The clues of window 1
#
# **Spatial**: |LAM| around the block (colour bar: |attribution| / its maximum), with the cumulative share
# of the evidence against the distance from the block. **Frequency**: the share of |gradient × coefficient|
# on each DCT coefficient (u, v) of the input Y, Cb and Cr, and the Y coefficients of the block and its 8
# neighbours. **Channel**: output component × input component shares (rows add up to 100 %).

# %%
from explain.figures.clues import plot_channel_clue, plot_frequency_clue, plot_spatial_clue
from explain.report.words import trust_sentence

display(plot_spatial_clue(w1.clues))
display(plot_frequency_clue(w1.clues))
display(plot_channel_clue(w1.clues))
for name, cl in w1.clues.items():
    for check in cl.checks:
        verdict = {True: "passes", False: "fails", None: "not run"}[check.passes]
        gap = "—" if check.completeness_gap is None else f"{check.completeness_gap:.3f}"
        fig = "—" if check.randomisation is None else f"{check.randomisation:.2f}"
        print(f"{name:>16} · {check.clue:<36} completeness gap {gap:>6}  randomisation {fig:>5}  {verdict}")
print(trust_sentence(w1.clues[focus]))

# %% [markdown]
# ## 6. The local ensemble and the latent features at window 1
#
# LIIF predicts each output pixel from the 4 latent codes around it and blends the 4 predictions with
# bilinear area weights. Where the predictions disagree, the blend does real work; without it the output
# would jump at every LR cell boundary. The encoder turns every LR pixel into a code (64 channels for an
# EDSR-baseline encoder); we compare the codes of the JPEG with those of the clean LR image (where there is
# one) and score each channel for how much it jumps at block boundaries (boundary response, 1 = no
# preference) and how much of its spectrum sits at the 8-pixel period (periodicity).

# %%
from explain.figures import plot_channel_scores, plot_ensemble, plot_latent_pca
from explain.widgets.ensemble import summarise as ensemble_summary
from explain.widgets.latent import summarise as latent_summary

window = w1.clues[focus].window  # the output pixels of the explained block (row, col, height, width)
ens = {name: explain.ensemble_weights(m, sc.lr, window, scale=sc.scale) for name, m in models.items()}
for name, e in ens.items():
    print(ensemble_summary(name, e, grid_phase=phase))
display(plot_ensemble(ens[focus], grid_phase=phase))
lat = {name: explain.latent_features(m, sc.lr, reference=sc.lr_clean) for name, m in models.items()}
for name, res in lat.items():
    print(latent_summary(name, res), end="\n\n")
display(plot_latent_pca(lat[focus], sc.lr))
display(plot_channel_scores(lat[focus]))

# %% [markdown]
# ## 7. The clues of window 1 against JPEG quality
#
# The same block, with the clean LR image compressed at several qualities and explained by the same function
# with the same steps (no randomisation test): how much of the evidence comes from the 8 neighbouring blocks,
# and how spread out it is (DI, whole map (as LAM) and DI, receptive box)?

# %%
from matplotlib.figure import Figure  # not pyplot: the causal view's ipympl canvas above changed its backend

from explain.headline import QUANTITIES, block_numbers, format_value, jpeg_photo
from explain.probes import clues

sweep = []
qualities = S.qualities if needs_reference(sc, "re-coding the image at other JPEG qualities") else ()
for q in qualities:
    photo_q, data_q = jpeg_photo(sc.lr_clean, q)
    for name, m in models.items():
        cl = clues(m, photo_q.image, w1.block, size=sc.output_size, grid_phase=phase, lam_steps=p["lam_steps"],
                   ig_steps=p["ig_steps"], baseline_quality=p["baseline_quality"],
                   chroma_factor=photo_q.facts.chroma_factor, randomise=False, name=name)
        sweep.append({"quality": q, "bpp": 8 * len(data_q) / sc.lr.shape[0] / sc.lr.shape[1], "model": name,
                      **block_numbers(cl)})
        sweep[-1]["neighbours"] = format_value("neighbour_blocks", sweep[-1]["neighbour_blocks"])
keys = ("neighbour_blocks", "di_whole_map", "di_receptive_box")
if sweep:
    width = max(map(len, models)) + 2
    print(f"{'q':>3}{'bpp':>7}  {'model':<{width}}" + "".join(f"{QUANTITIES[k][0]:>26}" for k in keys))
    for row in sweep:
        print(f"{row['quality']:3d}{row['bpp']:7.3f}  {row['model']:<{width}}{row['neighbours']:>26}"
              f"{row['di_whole_map']:26.1f}{row['di_receptive_box']:26.1f}")
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for name in models:
        rows = [row for row in sweep if row["model"] == name]
        axes[0].plot([row["quality"] for row in rows], [row["di_receptive_box"] for row in rows], "-o", label=name)
        axes[1].plot([row["quality"] for row in rows], [100 * row["neighbour_blocks"] for row in rows], "-o",
                     label=name)
    axes[0].set_ylabel("DI, receptive box (0–100)")
    axes[1].set_ylabel("8 neighbouring blocks (% of |LAM|)")
    for ax in axes:
        ax.set_xlabel("JPEG quality (1–100)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    display(fig)


# %% [markdown]
# ## Conclusion
#
# The cell below writes the answer from the numbers computed above (nothing in it is typed in by hand): the
# answer in words of section 3, then what the other sections measured.

# %%
names = list(models)
inp = "JPEG input (nearest)"
mode = (f"Quick mode (64-px LR crop, {len(report.windows)} window, {p['lam_steps']} LAM steps)" if S.quick
        else "Full mode")
lines = [f"*{mode}: {sc.describe()}; ×{sc.scale}; explained: the {len(report.windows)} blockiest 8×8 block(s), "
         f"LR blocks {', '.join(str(w.block) for w in report.windows)} (row, col of the top-left pixel).*", ""]
item = (f"1. **Blocking left in window 1.** The ratio of squared jumps across the {grid}-px block edges to "
        f"jumps inside blocks is {edge_ratio[inp]:.2f} for the JPEG input, {edge_ratio['bicubic']:.2f} after "
        f"bicubic, and after the models {per_model({n: edge_ratio[n] for n in names})}")
item += f" (ground truth {edge_ratio['ground truth']:.2f})." if sc.has_reference else "."
if metrics:
    best = max(names, key=lambda k: metrics[k]["PSNR-B"])
    item += (f" Whole-image PSNR-B: {per_model({k: v['PSNR-B'] for k, v in metrics.items()}, suffix=' dB')} "
             f"(best model: {best}); crop PSNR-Y of window 1: {per_model(crop_psnr, suffix=' dB')}.")
lines.append(item)
near = ens[focus].near_block_boundary(grid_phase=phase)
on = {n: float(e.disagreement[near].mean()) for n, e in ens.items()}
off = {n: float(e.disagreement[~near].mean()) for n, e in ens.items()}
lines.append(
    f"2. **The local ensemble at block edges.** Within ½ LR px of a block boundary the 4 codes' predictions "
    f"disagree by {per_model(on, '{:.4f}')} vs {per_model(off, '{:.4f}')} elsewhere in the block's output: the "
    f"blend does {'more' if on[focus] > off[focus] else 'less'} work at the edges for {focus}.")
br = {k: int((np.nan_to_num(v.boundary_response) > 1.5).sum()) for k, v in lat.items()}
item = (f"3. **Latent codes and the grid.** Channels jumping ≥ 1.5× more across block edges than inside: "
        f"{per_model(br, '{:d}')} (of {lat[focus].channels})")
if sc.has_reference:
    change = {k: v.difference_norm.mean() for k, v in lat.items()}
    item += f"; mean code change JPEG vs clean {per_model(change, '{:.3g}')}"
lines.append(item + ".")
if sweep:
    lines += ["", "4. **The clues of window 1 against JPEG quality:**", "",
              "| JPEG q | bpp | model | " + " | ".join(QUANTITIES[k][0] for k in keys) + " |",
              "|---:|---:|---|---:|---:|---:|"]
    lines += [f"| {row['quality']} | {row['bpp']:.3f} | {row['model']} | {row['neighbours']} | "
              f"{row['di_whole_map']:.1f} | {row['di_receptive_box']:.1f} |" for row in sweep]
answer = "**Answer.** " + "\n\n".join(report.answer)
display(Markdown(answer + "\n\n" + numbers_table(report, markdown=True) + "\n\n" + "\n".join(lines)))
