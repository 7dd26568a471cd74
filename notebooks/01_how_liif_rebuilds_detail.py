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
# # How LIIF rebuilds detail
#
# A lesson on LIIF (Local Implicit Image Function, Chen, Liu & Wang, CVPR 2021) and JPEG. It starts with one
# picture, then asks one question per section. Where a section measures something, it first asks you to
# **predict** the answer: pick a choice, then press **Reveal** to see the measurement and a sentence on what it
# means. The model explained in detail is the first JPEG-trained one of `models` (by default the twin
# fine-tuned from the paper's checkpoint on JPEG inputs); the "trio" adds its control (same training on clean
# inputs) beside the paper's model. Models are only ever used through `encode` (image → latent grid) and `query`
# (latent grid + coordinates → colours).
#
# **Teachers:** set `preset` to one of the named presets (printed below) and share its name: every student
# then works on the same image, JPEG quality and scale.

# %% tags=["parameters"]
from explain.models.names import DEFAULT_MODELS
from explain.presets import LESSON_PRESETS

preset = None  # a name of LESSON_PRESETS (e.g. "coffee-q10"): sets image, quality and scale for the whole class
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
from explain.models import load_model
from explain.models.names import CONTROLS
from explain.notebooks import setup
from explain.presets import lesson_preset

for name, p in LESSON_PRESETS.items():
    print(f"preset {name!r}: {p.image}, JPEG quality {p.quality}, ×{p.scale} — {p.note}")
image, quality, scale = lesson_preset(preset, image, quality, scale)
ctx = setup(image, quality, scale, models)  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
S, sc, models, focus = ctx.settings, ctx.scene, ctx.models, ctx.focus
choice, window, straddle = ctx.choice, ctx.window, ctx.straddle

model = models[focus]
trio = dict(models)  # the models, plus the focus model's control where it has one
if focus in CONTROLS and CONTROLS[focus] not in trio:
    trio[CONTROLS[focus]] = load_model(CONTROLS[focus])
print("compared throughout:", ", ".join(trio))

# %% [markdown]
# ## One picture first
#
# The same blocky JPEG enlarged ×scale four ways: by repeating its pixels (what the JPEG holds), by bicubic
# interpolation, by the model explained here, and the original for reference. The bottom row zooms on the
# explained block. Keep this picture in mind: every section below asks what produced the difference.

# %%
from explain.figures.lesson import plot_first_picture

H, W = sc.output_size
panels = {"blocky JPEG (pixels repeated)": np.repeat(np.repeat(sc.lr, sc.scale, axis=0), sc.scale, axis=1),
          "bicubic": explain.upscale_bicubic(sc.lr, sc.scale), focus: explain.upscale(model, sc.lr, sc.scale)}
if sc.has_reference:
    panels["original"] = sc.hr
side = min(16 * sc.scale, H, W)
zoom = (int(np.clip(window[0] - 4 * sc.scale, 0, H - side)), int(np.clip(window[1] - 4 * sc.scale, 0, W - side)),
        side, side)
display(plot_first_picture(panels, zoom, block=8 * sc.scale))

# %% [markdown]
# ## 1. Where does a query live? Coordinates and cells
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
# ## 2. What does the encoder keep of each pixel? The latent grid
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
# ## 3. How far does one code see? Feature unfolding
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
# ## 4. How is one colour made? One MLP query
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
# ## 5. Why are there no seams between codes? The local ensemble
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
# ## 6. Can it decode any scale? Any scale
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
# ## 7. Which part removes the seams? Ablations
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
# ## 8. What does LIIF make of one bright pixel?
#
# The simplest input there is: a flat grey field with one LR pixel raised by 0.25 on all three channels. The
# answer of a linear method is its kernel. HyRA (Deng et al., ICML 2024) found SR networks answering with a
# sinc-like pattern whose dark lobes exist only before the output is clamped to [0, 1], so the responses here
# are **unclamped**. Guess first, then reveal.

# %%
from explain.figures.response import plot_impulse_responses
from explain.probes.response import BICUBIC, impulse_response
from explain.widgets.lesson import QuestionView

impulses = {n: impulse_response(m, scale=sc.scale, name=n) for n, m in {BICUBIC: BICUBIC, **trio}.items()}
f = impulses[focus]
s_ = sc.scale
own_cell = (f.gain[f.centre[0] * s_:(f.centre[0] + 1) * s_, f.centre[1] * s_:(f.centre[1] + 1) * s_] ** 2).sum() \
    / (f.gain ** 2).sum()
bright_choices = ["a bright square: the pixel enlarged, nothing around it",
                  "a soft blob that never dips below grey, like a blur",
                  "a peak with a dark ring around it (below grey, hidden once the output is clamped)",
                  "almost nothing: it damps the lone pixel to under half of bicubic's answer"]
bright_answer = 3 if f.peak < 0.5 * impulses[BICUBIC].peak else \
    (0 if own_cell > 0.9 else (2 if f.negative_lobe < -0.02 else 1))
display(QuestionView(
    f"What does {focus} make of one bright pixel?", bright_choices, bright_answer,
    "; ".join(f"{n}: peak gain {r.peak:.2f}, deepest dip {100 * r.negative_lobe:.0f}% of the peak, "
              f"{100 * r.beyond_nyquist:.0f}% of the energy above the LR Nyquist frequency"
              for n, r in impulses.items()),
    f"{focus}'s peak is {f.peak / impulses[BICUBIC].peak:.2f}× bicubic's, and {100 * own_cell:.0f}% of its "
    f"response stays in the pixel's own output cell; its dip of "
    f"{100 * f.negative_lobe:.0f}% against bicubic's {100 * impulses[BICUBIC].negative_lobe:.0f}% is how much "
    "it sharpens (a dip beside a peak raises contrast across an edge), and its energy above the LR Nyquist "
    "frequency is detail no LR image can hold.",
    figure=plot_impulse_responses(list(impulses.values()))))

# %% [markdown]
# The same answers with a **scale slider**: drag it, or switch the input to a dark pixel, a red (Cr) pixel or
# one 8×8 DCT basis function (u across, v down). Bicubic is always shown as the reference.

# %%
from explain.widgets.lesson import ResponseView

response_view = ResponseView(trio, scale=sc.scale)
display(response_view)

# %%
response_view.set(scale=2)  # what dragging the slider does
print(response_view.text)

# %% [markdown]
# ## 9. Does it matter where the pixel sits in the JPEG grid?
#
# A flat field has no block grid, so here the field with its bright pixel goes through a real JPEG round trip
# (quality 50) first, with the pixel at the corner of its 8×8 block (offset 0) or inside it (offset 3). The
# JPEG delivers a different input at each position, so bicubic's answer changes too; the question is whether
# the model's answer changes beyond that.

# %%
q_grid = 50  # a lone pixel survives at both positions (at quality 20 a JPEG erases it inside a block)
grid_pairs = {n: [impulse_response(m, scale=sc.scale, offset=o, quality=q_grid, name=n) for o in (0, 3)]
              for n, m in {BICUBIC: BICUBIC, focus: model}.items()}


def energy(res):
    """Σ gain² over the output: how much answer the impulse gets."""
    return float((res.gain.astype(np.float64) ** 2).sum())


# the model's answer relative to bicubic's on the same JPEG input, at offsets 0 and 3
relative = [energy(grid_pairs[focus][i]) / max(energy(grid_pairs[BICUBIC][i]), 1e-12) for i in (0, 1)]
own_change = float(np.abs(grid_pairs[focus][1].gain - grid_pairs[focus][0].gain).sum()
                   / max(np.abs(grid_pairs[focus][0].gain).sum(), 1e-12))
grid_choices = ["the same answer at both positions",
                "different, but only because the JPEG delivers a different input (against bicubic, the same)",
                "different beyond the input: against bicubic, the model answers the two positions differently"]
grid_answer = 0 if own_change < 0.05 else (2 if abs(relative[1] / relative[0] - 1) > 0.2 else 1)
display(QuestionView(
    f"Does it matter to {focus} where the bright pixel sits in the JPEG grid (quality {q_grid})?",
    grid_choices, grid_answer,
    "; ".join(f"{n}: response energy {energy(p[0]):.3g} at offset 0, {energy(p[1]):.3g} at offset 3"
              for n, p in grid_pairs.items())
    + f"; {focus} over bicubic: {relative[0]:.2f} at offset 0, {relative[1]:.2f} at offset 3",
    f"The JPEG alone changes what reaches the model (bicubic's answer changes too). Against bicubic on the same "
    f"input, {focus} gives {relative[0]:.2f}× the energy at the block's corner and {relative[1]:.2f}× inside "
    "it: where those differ, the model reads where the block edges are.",
    figure=plot_impulse_responses([r for pair in grid_pairs.values() for r in pair])))

# %% [markdown]
# ## 10. Does an 8×8 DCT basis function stay in its block?
#
# JPEG builds every block from 64 DCT basis functions. Here one of them, at the size of one quantisation step
# of a quality-30 JPEG, is added to the centre block of a flat field. A perfect block-wise method would keep all
# of the answer inside the block; anything outside has spilt across the block's edges. The table groups the
# basis functions by order u + v (0: the block's mean; 14: the finest checkerboard).

# %%
from explain.figures.response import plot_dct_energy_table
from explain.probes.response import dct_energy_table

dct_pairs = [(0, 0), (1, 0), (1, 1), (3, 1), (4, 4), (7, 7)] if S.quick else None  # quick: 6 of the 64
dct_table = dct_energy_table({BICUBIC: BICUBIC, **trio}, pairs=dct_pairs, scale=sc.scale)
kept = dict(zip(dct_table.names, dct_table.inside_share.mean(axis=1)))
dct_choices = ["it stays inside (95% or more of the energy)", "it spills a little (80–95% inside)",
               "it spills a lot (under 80% inside)"]
dct_answer = 0 if kept[focus] >= 0.95 else (1 if kept[focus] >= 0.8 else 2)
display(QuestionView(
    f"How much of {focus}'s answer to one DCT basis function stays inside its block?", dct_choices, dct_answer,
    "; ".join(f"{n}: {100 * v:.1f}% inside on average" for n, v in kept.items()),
    f"{focus} keeps {100 * kept[focus]:.0f}% inside against bicubic's {100 * kept[BICUBIC]:.0f}%: what spills "
    "is what the model spreads across block edges, where a JPEG keeps blocks apart.",
    figure=plot_dct_energy_table(dct_table)))

# %%
print(dct_table.format())

# %% [markdown]
# ## 11. Where does the non-linear part sit: on block edges or inside blocks?
#
# HyRA splits an output into a **linear** part — the LR image, upsampled by inserting zeros, convolved with the
# measured answer to one bright pixel — and a **non-linear** rest (output − linear): whatever no fixed kernel
# makes. Here the split of the explained block and its neighbours, and the non-linear energy per output pixel
# on each block's outer ring of LR pixels against the block interiors.

# %%
from explain.figures.response import plot_hybrid
from explain.probes.response import hybrid_response

br, bc = choice.block_lr
h_lr, w_lr = sc.lr.shape[:2]
hy_rows = (max(0, br - 8), min(h_lr, br + 16))
hy_cols = (max(0, bc - 8), min(w_lr, bc + 16))
hy_window = (hy_rows[0], hy_cols[0], hy_rows[1] - hy_rows[0], hy_cols[1] - hy_cols[0])
hybrids = {n: hybrid_response(m, sc.lr, scale=sc.scale, window=hy_window, impulse=impulses[n], name=n)
           for n, m in trio.items()}
hf = hybrids[focus]
hy_choices = ["on block edges", "inside blocks", "neither clearly: the interval holds 1"]
hy_answer = 0 if hf.interval[0] > 1 else (1 if hf.interval[1] < 1 else 2)
display(QuestionView(
    f"Where does {focus}'s non-linear energy sit around the explained block?", hy_choices, hy_answer,
    "; ".join(f"{n}: edges / interiors {r.ratio:.2f} [{r.interval[0]:.2f}, {r.interval[1]:.2f}] over "
              f"{r.edge_energy.size} blocks, non-linear share {100 * r.nonlinear_share:.0f}%"
              for n, r in hybrids.items()),
    f"A ratio above 1 means {focus} does its non-linear work where JPEG's blocks meet (deblocking); near 1, "
    "it spends it evenly, on texture as much as on seams. With only a few blocks the interval is wide; the "
    "README gives the ratio over BSD100.",
    figure=plot_hybrid(hf)))

# %% [markdown]
# ## 12. Which codes, weights, input pixels and JPEG block make one output pixel?
#
# One cursor links everything: **click an output pixel** on the left (or move the sliders). The figure shows
# where the pixel sits among the LR pixels, the 4 latent codes it blends (coloured squares) and their weights,
# its LAM attribution map (which input pixels matter to it) and the DCT coefficients of the 8×8 JPEG block it
# falls in.

# %%
from explain.widgets.lesson import CursorView

cursor_view = CursorView(trio, sc.lr, scale=sc.scale, pixel=(window[0] + window[2] // 2, window[1] + window[3] // 2),
                         steps=min(S.steps, 16), model=focus)
display(cursor_view)

# %%
cursor_view.pick(window[0] + 2, window[1] + 3)  # what a click near the block's corner does
print(cursor_view.text)

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
lines.append(f"- One bright pixel: {focus} peaks at gain {f.peak:.2f} with a dip of {100 * f.negative_lobe:.0f}% "
             f"(bicubic {impulses[BICUBIC].peak:.2f}, {100 * impulses[BICUBIC].negative_lobe:.0f}%); moving it from "
             f"offset 0 to 3 in a quality-{q_grid} JPEG, its energy against bicubic's goes from {relative[0]:.2f} to "
             f"{relative[1]:.2f}.")
lines.append("- Energy of a DCT basis function kept inside its block: "
             + ", ".join(f"{n} {100 * v:.0f}%" for n, v in kept.items()) + ".")
lines.append("- Non-linear energy per pixel, block edges / interiors around the explained block: "
             + ", ".join(f"{n} {r.ratio:.2f} [{r.interval[0]:.2f}, {r.interval[1]:.2f}]" for n, r in hybrids.items())
             + ".")
display(Markdown("\n".join(lines)))
