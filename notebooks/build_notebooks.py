"""Write the notebooks in this folder from Python, so they are reviewable as code.

    python notebooks/build_notebooks.py          # (re)write every notebook
    python notebooks/build_notebooks.py --check  # exit 1 if a stored notebook differs from this script

Notebooks are stored without outputs or execution counts. Every number they print is computed when they run;
with ``EXPLAIN_QUICK=1`` they run in quick mode (see :mod:`explain.notebooks`).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(textwrap.dedent(text).strip("\n"))


SETUP = """
%matplotlib inline
import numpy as np
import torch
from IPython.display import Markdown, display

import explain
from explain.notebooks import blockiest_block, scene, settings

S = settings()  # quick mode when EXPLAIN_QUICK=1: a 64-px LR crop, few steps
torch.manual_seed(0)
models = {name: explain.load_model(name) for name in ("liif-jpeg", "liif-clean")}
sc = scene(S)
choice = blockiest_block(sc.lr, sc.scale, S.window)
window = choice.window_hr  # (row, col, height, width) in output pixels: one 8×8 JPEG block
half = 4 * sc.scale  # the same-size window shifted by half a block: it straddles a block corner
straddle = (max(0, window[0] - half), max(0, window[1] - half), window[2], window[3])
print(("QUICK MODE: " if S.quick else "full mode: ") + f"{sc.image}, HR {sc.hr.shape[:2]} → LR {sc.lr.shape[:2]}, "
      f"JPEG q={sc.quality}: {sc.info.nbytes} bytes = {sc.info.bpp:.3f} bits per LR pixel")
for name, m in models.items():
    meta = getattr(m, "meta", None) or {}
    print(f"{name}: {m.num_parameters():,} parameters, trained {meta.get('steps', '?')} steps")
print(f"explained window: the JPEG block at LR {choice.block_lr} = output pixels {window}")
"""


# ------------------------------------------------------------------------------------------------ 00
def notebook_00():
    return [
        md("""
        # Why did the blocks disappear?

        You enlarge an old web JPEG, full of 8×8 compression blocks, with an AI upscaler, and the blocks
        disappear. **What clues does the model use to rebuild detail where compression damaged the image?**

        This notebook answers the question end to end on the default image (scikit-image's *astronaut*), with
        two LIIF models we trained ourselves: `liif-jpeg` (trained on JPEG-compressed inputs) and `liif-clean`
        (trained on clean inputs). It

        1. compresses the image (×4 bicubic downscale, JPEG q=20);
        2. upscales it back with LIIF and with bicubic and measures the blocking that is left;
        3. finds the blockiest window;
        4. asks which low-resolution (LR) pixels feed that window (gradient attribution: LAM and integrated
           gradients from a coarser-JPEG baseline) and checks that the maps depend on the weights;
        5. looks at the local ensemble and the latent features there;
        6. repeats the attribution over JPEG qualities;

        and closes with a conclusion whose numbers are all computed below. With `EXPLAIN_QUICK=1` (the test
        suite) it works on a 64-pixel LR crop around the blockiest region with few integration steps, so its
        numbers differ from a full run.
        """),
        code(SETUP),
        md("""
        ## 1. Compress

        The HR image is downscaled ×4 the way LIIF's benchmarks do it (PIL bicubic on 8-bit values) and
        JPEG-compressed at quality 20 with 4:2:0 chroma subsampling. The JPEG block grid starts at the LR
        image's top-left corner (phase (0, 0)), so blocks are LR rows/columns 0–7, 8–15, …
        """),
        code("""
        from explain.figures import plot_crops, plot_overview
        from explain.metrics import blocking_stats

        print(f"clean LR vs JPEG LR: PSNR-Y {explain.psnr_y(sc.lr_clean, sc.lr):.2f} dB")
        blk = {"clean LR": blocking_stats(sc.lr_clean), "JPEG LR": blocking_stats(sc.lr)}
        for k, v in blk.items():
            print(f"{k:>9}: mean squared jump across block edges / inside blocks = {v.d_b / v.d_bc:.2f}, "
                  f"BEF {v.bef:.2e}")
        """),
        md("""
        ## 2. Upscale: LIIF vs bicubic

        Both models and bicubic upscale the JPEG back to the HR size. Quality is measured against the original:
        PSNR-Y and SSIM (BT.601 luma, 4-pixel border shaved), and PSNR-B, which also penalises blocking on the
        32-pixel grid that the 8×8 LR blocks become after ×4.
        """),
        code("""
        H, W = sc.hr.shape[:2]
        sr = {"bicubic": explain.upscale_bicubic(sc.lr, size=(H, W))}
        for name, m in models.items():
            sr[name] = explain.upscale(m, sc.lr, size=(H, W))
        grid = 8 * sc.scale
        metrics = {k: {"PSNR-Y": explain.psnr_y(sc.hr, v, shave=sc.scale),
                       "SSIM": explain.ssim(sc.hr, v, shave=sc.scale),
                       "PSNR-B": explain.psnr_b(sc.hr, v, block_size=grid, shave=sc.scale)} for k, v in sr.items()}
        print(f"{'output':<12}{'PSNR-Y':>8}{'SSIM':>8}{'PSNR-B':>8}")
        for k, v in metrics.items():
            print(f"{k:<12}{v['PSNR-Y']:8.2f}{v['SSIM']:8.4f}{v['PSNR-B']:8.2f}")
        """),
        md("""
        ## 3. The blockiest window

        `explain.blockiest_window` slides a 16×16 LR window over the JPEG and returns the one with the highest
        local blocking measure (Yim & Bovik's D_B − D_B^c: squared jumps across block edges minus those inside
        blocks). We explain the 8×8 JPEG block at its centre: 32×32 output pixels. Around it (one block of
        margin) we measure how much blocking each output keeps: the ratio of mean squared jumps across the
        32-pixel block edges to those inside blocks (1 means no visible grid).
        """),
        code("""
        r, c, hh, ww = window
        R0, C0 = max(0, r - grid), max(0, c - grid)
        R1, C1 = min(H, r + hh + grid), min(W, c + ww + grid)
        region = (R0, C0, R1 - R0, C1 - C0)  # the window plus one block around it (grid-aligned)
        shown = {"ground truth": sc.hr, "JPEG input (nearest)": np.kron(sc.lr, np.ones((sc.scale, sc.scale, 1))), **sr}
        edge_ratio = {}
        for k, v in shown.items():
            st = blocking_stats(v[R0:R1, C0:C1], block_size=grid)
            edge_ratio[k] = st.d_b / st.d_bc
        captions = {k: f"edge/inside jump ratio {v:.2f}" for k, v in edge_ratio.items()}
        display(plot_overview(sr["bicubic"], window, f"explained block {window}"))
        display(plot_crops(shown, region, captions, block=grid, ncols=len(shown)))
        """),
        md("""
        ## 4. Attribution: which LR pixels feed the window's detail?

        The window's detail is measured by LAM's gradient detector (sum of the Sobel gradient magnitude over the
        window). Two attribution methods:

        * **LAM** (Gu & Dong, CVPR 2021): integrated gradients along a progressive-blur path from a blurred LR
          image to the real one;
        * **integrated gradients from a JPEG baseline**: the straight path from the same image compressed at
          quality 5 (a much coarser JPEG) — it credits the detail that a coarser JPEG would have removed.

        From each map: the **Diffusion Index** (DI = (1 − Gini)·100, high = spread out) and the **block
        shares**: the fraction of |attribution| in the window's own block, in the 8 neighbouring blocks and
        beyond, and how strongly block-edge pixels are over-represented ("edge enrichment", 1 = as their area).
        """),
        code("""
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
        display(plot_attribution(att[("liif-jpeg", "LAM")], sc.lr, sr["liif-jpeg"], title="liif-jpeg · LAM"))
        display(plot_attribution_comparison({f"{n}\\n{meth}": res for (n, meth), res in att.items()}, sc.lr))
        """),
        md("""
        **Is the map about the model?** Adebayo et al.'s randomisation test (NeurIPS 2018) re-initialises all
        weights and recomputes the map; a faithful map should change. The plain |map| correlation stays high
        for any convolutional net (all maps fall off with distance from the window), so the signed correlation
        and the correlation on the pixels holding 95 % of the attribution ("core") are the sharper tests.
        """),
        code("""
        sanity = explain.sanity_check(models["liif-jpeg"], sc.lr, window, scale=sc.scale, method="lam", steps=S.steps,
                                      target="gradient")
        print(f"after randomising every weight: Spearman |map| {sanity.spearman[0]:.2f}, "
              f"signed {sanity.spearman_signed[0]:.2f}, core {sanity.spearman_core[0]:.2f}")
        display(plot_sanity_check(sanity))
        """),
        md("""
        ## 5. The local ensemble at the window

        LIIF predicts each output pixel from the 4 latent codes around it and blends the 4 predictions with
        bilinear area weights. Where the predictions disagree, the blend does real work; without it the output
        would jump at every LR cell boundary.
        """),
        code("""
        from explain.figures import plot_ensemble
        from explain.widgets.ensemble import summarise as ensemble_summary

        ens = {name: explain.ensemble_weights(m, sc.lr, window, scale=sc.scale) for name, m in models.items()}
        for name, e in ens.items():
            print(ensemble_summary(name, e))
        display(plot_ensemble(ens["liif-jpeg"]))
        """),
        md("""
        ## 6. Latent features

        The encoder turns every LR pixel into a 64-channel code. We compare the codes of the JPEG with those of
        the clean LR image and score each channel for how much it jumps at block boundaries (boundary response,
        1 = no preference) and how much of its spectrum sits at the 8-pixel period (periodicity).
        """),
        code("""
        from explain.figures import plot_channel_scores, plot_latent_pca
        from explain.widgets.latent import summarise as latent_summary

        lat = {name: explain.latent_features(m, sc.lr, reference=sc.lr_clean) for name, m in models.items()}
        for name, res in lat.items():
            print(latent_summary(name, res), end="\\n\\n")
        display(plot_latent_pca(lat["liif-jpeg"], sc.lr))
        display(plot_channel_scores(lat["liif-jpeg"]))
        """),
        md("""
        ## 7. Attribution against JPEG quality

        The same window, compressed at several qualities: how spread out is the attribution (DI) and how much of
        it comes from the neighbouring blocks?
        """),
        code("""
        import matplotlib.pyplot as plt

        sweep = []
        for q in S.qualities:
            lr_q, info_q = explain.compress(sc.lr_clean, "jpeg", quality=q, subsampling="4:2:0")
            for name, m in models.items():
                res = explain.attribute(m, lr_q, window, scale=sc.scale, method="lam", steps=S.steps, target="gradient")
                sweep.append({"quality": q, "bpp": info_q.bpp, "model": name, "DI": res.di,
                              "DI (receptive box)": res.di_receptive, "own": res.block_shares["own"],
                              "neighbours": res.block_shares["neighbours"]})
        print(f"{'q':>3}{'bpp':>7}  {'model':<11}{'DI':>7}{'DI box':>8}{'own':>7}{'neighb.':>9}")
        for row in sweep:
            print(f"{row['quality']:3d}{row['bpp']:7.3f}  {row['model']:<11}{row['DI']:7.3f}"
                  f"{row['DI (receptive box)']:8.2f}{100 * row['own']:6.1f}%{100 * row['neighbours']:8.1f}%")
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
        for name in models:
            rows = [r for r in sweep if r["model"] == name]
            axes[0].plot([r["quality"] for r in rows], [r["DI (receptive box)"] for r in rows], "-o", label=name)
            axes[1].plot([r["quality"] for r in rows], [100 * r["neighbours"] for r in rows], "-o", label=name)
        axes[0].set_ylabel("DI over the receptive box")
        axes[1].set_ylabel("% from neighbouring blocks")
        for ax in axes:
            ax.set_xlabel("JPEG quality")
            ax.legend()
            ax.grid(alpha=0.3)
        plt.show()
        """),
        md("""
        ## Conclusion

        The cell below writes the answer from the numbers computed above (nothing in it is typed in by hand).
        """),
        code("""
        def pct(x):
            return f"{100 * x:.1f}%"

        lam_j, lam_c = att[("liif-jpeg", "LAM")], att[("liif-clean", "LAM")]
        ig_j, ig_c = att[("liif-jpeg", "IG, JPEG q=5 baseline")], att[("liif-clean", "IG, JPEG q=5 baseline")]
        best = max(("liif-jpeg", "liif-clean"), key=lambda k: metrics[k]["PSNR-B"])
        lines = [
            f"*{'Quick mode (64-px LR crop, ' + str(S.steps) + ' steps)' if S.quick else 'Full mode'}: {sc.image}, "
            f"×{sc.scale}, JPEG q={sc.quality} ({sc.info.bpp:.2f} bpp); explained window = the 8×8 JPEG block at "
            f"LR {choice.block_lr}.*",
            "",
            f"1. **Blocking left in the output.** Around the window, the ratio of squared jumps across the 32-px "
            f"block edges to jumps inside blocks is {edge_ratio['JPEG input (nearest)']:.2f} for the JPEG input, "
            f"{edge_ratio['bicubic']:.2f} after bicubic, {edge_ratio['liif-jpeg']:.2f} after liif-jpeg and "
            f"{edge_ratio['liif-clean']:.2f} after liif-clean (ground truth {edge_ratio['ground truth']:.2f}). "
            f"Whole image PSNR-B: bicubic {metrics['bicubic']['PSNR-B']:.2f} dB, liif-jpeg "
            f"{metrics['liif-jpeg']['PSNR-B']:.2f} dB, liif-clean {metrics['liif-clean']['PSNR-B']:.2f} dB "
            f"(best: {best}).",
            f"2. **Where the clues come from (LAM).** liif-jpeg draws {pct(lam_j.block_shares['own'])} of the "
            f"window's attribution from its own block and {pct(lam_j.block_shares['neighbours'])} from the 8 "
            f"neighbouring blocks; liif-clean {pct(lam_c.block_shares['own'])} and "
            f"{pct(lam_c.block_shares['neighbours'])}. Block-edge pixels carry "
            f"{lam_j.block_shares['boundary_enrichment']:.2f}× (liif-jpeg) and "
            f"{lam_c.block_shares['boundary_enrichment']:.2f}× (liif-clean) their area share. "
            f"DI: liif-jpeg {lam_j.di:.3f}, liif-clean {lam_c.di:.3f} "
            f"({'liif-jpeg spreads wider' if lam_j.di > lam_c.di else 'liif-clean spreads wider'}).",
            f"3. **Detail a coarser JPEG would remove (IG from q=5).** Neighbouring blocks: liif-jpeg "
            f"{pct(ig_j.block_shares['neighbours'])}, liif-clean {pct(ig_c.block_shares['neighbours'])}; "
            f"completeness gaps {ig_j.relative_delta:.3f} and {ig_c.relative_delta:.3f} of F(x) − F(baseline).",
            f"4. **The maps depend on the weights.** After randomising liif-jpeg, the signed map's rank "
            f"correlation with the original is {sanity.spearman_signed[0]:.2f} (core {sanity.spearman_core[0]:.2f}).",
        ]
        e_j, e_c = ens["liif-jpeg"], ens["liif-clean"]
        near = e_j.near_block_boundary()
        lines.append(
            f"5. **The local ensemble at block edges.** Within ½ LR px of a block boundary the 4 codes' "
            f"predictions disagree by {e_j.disagreement[near].mean():.4f} (liif-jpeg) / "
            f"{e_c.disagreement[near].mean():.4f} (liif-clean) vs {e_j.disagreement[~near].mean():.4f} / "
            f"{e_c.disagreement[~near].mean():.4f} elsewhere in the window: the blend does "
            f"{'more' if e_j.disagreement[near].mean() > e_j.disagreement[~near].mean() else 'less'} work at the "
            f"edges for liif-jpeg.")
        br = {k: int((np.nan_to_num(v.boundary_response) > 1.5).sum()) for k, v in lat.items()}
        lines.append(
            f"6. **Latent codes and the grid.** Channels jumping ≥ 1.5× more across block edges than inside: "
            f"liif-jpeg {br['liif-jpeg']}, liif-clean {br['liif-clean']} of 64; mean code change JPEG vs clean "
            f"{lat['liif-jpeg'].difference_norm.mean():.3g} vs {lat['liif-clean'].difference_norm.mean():.3g}.")
        lines += ["", "7. **DI and neighbour share against JPEG quality** (LAM, same window):", "",
                  "| JPEG q | bpp | model | DI | DI (receptive box) | from neighbouring blocks |",
                  "|---:|---:|---|---:|---:|---:|"]
        lines += [f"| {r['quality']} | {r['bpp']:.3f} | {r['model']} | {r['DI']:.3f} | {r['DI (receptive box)']:.2f} | "
                  f"{pct(r['neighbours'])} |" for r in sweep]
        # the answer in one paragraph, from the same numbers
        lo = {r["model"]: r for r in sweep if r["quality"] == min(S.qualities)}
        hi = {r["model"]: r for r in sweep if r["quality"] == max(S.qualities)}
        more = "more" if edge_ratio["liif-jpeg"] < edge_ratio["bicubic"] else "less"
        answer = (
            f"**Answer.** Around the blockiest block, liif-jpeg leaves a block-edge jump ratio of "
            f"{edge_ratio['liif-jpeg']:.2f} where the JPEG input has {edge_ratio['JPEG input (nearest)']:.2f} and "
            f"bicubic {edge_ratio['bicubic']:.2f}: it removes {more} of the grid than bicubic. To rebuild the "
            f"block's detail it takes {pct(lam_j.block_shares['neighbours'])} of its evidence from the 8 neighbouring "
            f"blocks (LAM), which JPEG coded independently of it, and block-edge pixels weigh "
            f"{lam_j.block_shares['boundary_enrichment']:.2f}× their area share. The neighbour share is "
            f"{pct(lo['liif-jpeg']['neighbours'])} at q={min(S.qualities)} and {pct(hi['liif-jpeg']['neighbours'])} at "
            f"q={max(S.qualities)} (liif-clean: {pct(lo['liif-clean']['neighbours'])} and "
            f"{pct(hi['liif-clean']['neighbours'])}).")
        display(Markdown(answer + "\\n\\n" + "\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 01
def notebook_01():
    return [
        md("""
        # How LIIF rebuilds detail

        A walk through LIIF (Local Implicit Image Function, Chen, Liu & Wang, CVPR 2021) with the shipped
        `liif-jpeg` model: coordinates and cells, the latent grid, the 3×3 unfolding, one MLP query, the local
        ensemble, arbitrary scales, and what each part does to seams. The model is only ever used through
        `encode` (image → latent grid) and `query` (latent grid + coordinates → colours).
        """),
        code(SETUP + '\nmodel = models["liif-jpeg"]\n'),
        md("""
        ## 1. Coordinates and cells

        LIIF treats an image as a function on the square (−1, 1)². Coordinates are (row, col); pixel *i* of an
        axis of *n* pixels has its centre at −1 + (2i + 1)/n. An output of size H×W is a grid of such centres,
        and each query also gets its **cell** (2/H, 2/W): the size of the output pixel it stands for. Below, a
        4×4 LR image (dots) and the centres of a ×2.5 output (10×10, crosses) in the same frame.
        """),
        code("""
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
        """),
        md("""
        ## 2. The latent grid

        The encoder (an EDSR-baseline without upsampler) maps the LR image to one C-dimensional code per LR
        pixel. Here: a 16×16 LR crop around the blockiest window. The PCA view maps the first three principal
        components of the codes to red, green and blue.
        """),
        code("""
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
        """),
        md("""
        ## 3. Feature unfolding

        Before decoding, each code is concatenated with its 8 neighbours (a 3×3 unfolding, zero-padded at the
        border): the MLP reads 9C numbers per code. Channel c·9 + k of the unfolded grid is channel c of the
        neighbour k (k = 4 is the centre).
        """),
        code("""
        with torch.no_grad():
            unfolded = model.unfold(latents.features)
        f = latents.features
        print("unfolded grid:", tuple(unfolded.shape))
        centre = unfolded.view(1, f.shape[1], 9, *f.shape[-2:])[:, :, 4]
        up_left = unfolded.view(1, f.shape[1], 9, *f.shape[-2:])[:, :, 0]
        print("tap 4 equals the code itself:", bool(torch.allclose(centre, f)))
        print("tap 0 equals the up-left neighbour:", bool(torch.allclose(up_left[..., 1:, 1:], f[..., :-1, :-1])))
        """),
        md("""
        ## 4. One MLP query

        To colour a point x, LIIF takes the 4 codes whose cells surround x, and for each code k feeds the MLP with
        (unfolded code, x − code centre, cell). Each gives a prediction; the output is their blend with bilinear
        area weights (Eq. 3–4 of the paper).
        """),
        code("""
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
        """),
        md("""
        ## 5. The local ensemble over a region

        Over a block-sized window straddling a block corner: each code's weight (bilinear, largest next to its
        centre), which code dominates, and how much the 4 predictions disagree. Along a line crossing a block
        edge, the output and the weights change smoothly while the set of codes switches at every LR cell
        boundary.
        """),
        code("""
        from explain.figures import plot_ensemble, plot_line_response
        from explain.widgets.ensemble import summarise as ensemble_summary

        ens = explain.ensemble_weights(model, sc.lr, straddle, scale=sc.scale)
        print(ensemble_summary("liif-jpeg", ens))
        display(plot_ensemble(ens))
        br, bc = choice.block_lr
        row = br + 4.5
        line = explain.line_response(model, sc.lr, (row, max(bc - 4.0, 0.5)),
                                     (row, min(bc + 12.0, sc.lr.shape[1] - 0.5)), n=160, units="lr", scale=sc.scale)
        display(plot_line_response(line, sc.lr))
        """),
        md("""
        ## 6. Any scale

        LIIF decodes any real scale: changing the scale changes only the query coordinates and the cell, never
        the latent grid (the view reuses the cached encoder features). Drag the slider; the cell-response plot
        shows how one output pixel's colour depends on the cell the decoder is told about.
        """),
        code("""
        from explain.figures import plot_cell_response
        from explain.widgets import ScaleView

        br, bc = choice.block_lr
        lr_region = (max(0, br - 4), max(0, bc - 4), 16, 16)
        lr_region = (min(lr_region[0], sc.lr.shape[0] - 16), min(lr_region[1], sc.lr.shape[1] - 16), 16, 16)
        scale_view = ScaleView(models, sc.lr, region=lr_region, scale=3.5)
        display(scale_view)
        """),
        code("""
        scale_view.set(scale=2.3)  # what dragging the slider does
        print(scale_view.text)
        cell = explain.cell_response(model, sc.lr, (br + 0.5, bc + 0.5), units="lr")
        display(plot_cell_response(cell))
        """),
        md("""
        ## 7. What each part does to seams

        The straddling window decoded by the model and by three ablations built from its weights: without the local
        ensemble (nearest code only), without unfolding, without the cell. The seam ratio compares the mean
        jump between neighbouring output pixels across LR cell boundaries with the jump inside cells (≈ 1 for
        a seamless output).
        """),
        code("""
        from explain.figures import plot_ablation_seams

        seams = explain.ablation_seams(model, sc.lr, straddle, scale=sc.scale)
        print(seams.summary())
        display(plot_ablation_seams(seams))
        """),
        md("## What this notebook measured"),
        code("""
        st = seams.stats
        lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.image}, window {straddle}.*", "",
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
        display(Markdown("\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 02
def notebook_02():
    return [
        md("""
        # Gradient attribution, interactively

        Pick an output window (sliders; a click on the image where `ipympl` is installed and `%matplotlib
        widget` is on), a method, the number of steps and a baseline. The view shows the |attribution| map with
        the 8×8 JPEG grid, the DI and the block shares for both models side by side, and on request the
        randomisation sanity check. Attributions are memoised: returning to a window costs nothing.
        """),
        code(SETUP.replace("import numpy as np\n", "")),
        code("""
        from explain.widgets import AttributionView

        view = AttributionView(models, sc.lr, scale=sc.scale, window=window, method="lam", steps=S.steps,
                               target="gradient", baseline="jpeg")
        display(view)
        """),
        md("""
        ## Driving the view from code

        Everything a slider or a click does can be done from code; the view keeps its numbers in `view.rows`
        and its maps in `view.results`.
        """),
        code("""
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
        """),
        md("""
        ## Sanity check

        Adebayo et al. (2018): re-initialise every weight of the first model and recompute the map. A faithful
        map changes; the signed and "core" rank correlations are the telling ones.
        """),
        code("""
        view.pick(r + side // 2, c + side // 2)  # back to the explained block (memoised: no recomputation)
        sanity = view.run_sanity_check()
        print(f"Spearman after randomisation: |map| {sanity.spearman[0]:.2f}, signed {sanity.spearman_signed[0]:.2f}, "
              f"core {sanity.spearman_core[0]:.2f}")
        display(view.sanity_figure)
        """),
        md("""
        ## Deletion curve

        Replace the most-attributed LR pixels by a blurred copy and watch the window's target move, against the
        same number of random pixels: a map that found the pixels that matter moves it faster.
        """),
        code("""
        from explain.figures import plot_deletion_curve

        curves = {name: explain.deletion_curve(models[name], sc.lr, view.results[name], n_random=2 if S.quick else 4)
                  for name in models}
        display(plot_deletion_curve(curves))
        """),
        md("## What this notebook measured"),
        code("""
        def pct(x):
            return f"{100 * x:.1f}%"

        lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.image}, window {window}, {S.steps} steps.*", ""]
        for name in models:
            lines.append(f"- **{name}**: LAM DI {first[name]['DI']:.3f}, own block {pct(first[name]['own blocks'])}, "
                         f"neighbours {pct(first[name]['neighbour blocks'])}; IG (JPEG baseline) neighbours "
                         f"{pct(ig[name]['neighbour blocks'])}; one block {direction}: DI {moved[name]['DI']:.3f}, "
                         f"neighbours {pct(moved[name]['neighbour blocks'])}. "
                         f"Deletion: top-attributed area {curves[name].area_attributed:.3g} vs random "
                         f"{curves[name].area_random:.3g}.")
        lines.append(f"- Randomised weights: signed Spearman {sanity.spearman_signed[0]:.2f}, core "
                     f"{sanity.spearman_core[0]:.2f}.")
        display(Markdown("\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 03
def notebook_03():
    return [
        md("""
        # Latent features

        What the encoder's code grid holds where the JPEG is blocky. Pick a model and a view: the PCA of the
        codes as colours, the channels that respond most to the block grid, every channel's boundary response
        against its periodicity, or the change of the codes between the clean and the compressed LR image.
        The encoder runs once per model and image (cached); switching views only redraws.
        """),
        code(SETUP),
        code("""
        from explain.widgets import LatentView

        view = LatentView(models, sc.lr, reference=sc.lr_clean, view="PCA")
        display(view)
        """),
        code("""
        view.set(view="top channels", by="boundary", k=4)   # what the pickers do
        print(view.text)
        view.set(model="liif-clean")
        print(view.text)
        view.set(view="difference")
        """),
        md("""
        ## Does the change of the codes follow the block grid?

        Mean ‖f(JPEG) − f(clean)‖ on LR pixels at a block edge (first/last row or column of a block) against
        the pixels inside blocks.
        """),
        code("""
        from explain.probes.stats import boundary_mask

        edge = boundary_mask(sc.lr.shape[:2])
        change = {}
        for name in models:
            res = view.features(name)
            d = res.difference_norm
            change[name] = (float(d[edge].mean()), float(d[~edge].mean()))
            print(f"{name}: code change at block edges {change[name][0]:.3g}, inside blocks {change[name][1]:.3g} "
                  f"(ratio {change[name][0] / change[name][1]:.2f})")
        """),
        md("## What this notebook measured"),
        code("""
        lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.image}, LR {sc.lr.shape[:2]}, JPEG q={sc.quality}.*", ""]
        for name in models:
            res = view.features(name)
            br = np.nan_to_num(res.boundary_response)
            lines.append(f"- **{name}**: {int((br > 1.5).sum())} of {res.channels} channels jump ≥ 1.5× more across "
                         f"block edges than inside (median {np.median(br):.2f}); median periodicity "
                         f"{np.nanmedian(res.periodicity):.3f} vs white-noise {res.periodicity_chance:.3f}; "
                         f"code change edge/inside {change[name][0] / change[name][1]:.2f}.")
        display(Markdown("\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 04
def notebook_04():
    return [
        md("""
        # The local ensemble

        Each output pixel is a blend of 4 predictions, one per surrounding latent code, weighted by area.
        Move the region and pick a model; the view queries the cached latent grid (no re-encoding). Thin lines
        in the figures are LR cell boundaries, thick red lines the 8×8 JPEG block grid.
        """),
        code(SETUP),
        code("""
        from explain.widgets import EnsembleView

        view = EnsembleView(models, sc.lr, scale=sc.scale, region=window)
        display(view)
        """),
        code("""
        at_block = {}
        for name in models:  # the explained block, both models
            view.set(model=name)
            at_block[name] = view.result
        view.set(model="liif-jpeg", row=max(0, window[0] - window[2] // 2))  # half a block up: straddles an edge
        print(view.text)
        view.set(view="contributions")
        """),
        md("""
        ## Along a line across a block edge, and across scales
        """),
        code("""
        from explain.figures import plot_cell_response, plot_line_response

        br, bc = choice.block_lr
        row = br + 4.5
        line = explain.line_response(models["liif-jpeg"], sc.lr, (row, max(bc - 4.0, 0.5)),
                                     (row, min(bc + 12.0, sc.lr.shape[1] - 0.5)), n=160, units="lr", scale=sc.scale)
        display(plot_line_response(line, sc.lr))
        step = np.abs(np.diff(line.rgb, axis=0)).mean(-1)
        cell = explain.cell_response(models["liif-jpeg"], sc.lr, (br + 0.5, bc + 0.5), units="lr")
        display(plot_cell_response(cell))
        """),
        md("""
        ## Seams with and without the ensemble
        """),
        code("""
        from explain.figures import plot_ablation_seams

        seams = {name: explain.ablation_seams(m, sc.lr, straddle, scale=sc.scale) for name, m in models.items()}
        print(seams["liif-jpeg"].summary())
        display(plot_ablation_seams(seams["liif-jpeg"]))
        """),
        md("## What this notebook measured"),
        code("""
        lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.image}, window {window}.*", ""]
        for name, e in at_block.items():
            near = e.near_block_boundary()
            st = seams[name].stats
            lines.append(f"- **{name}**: mean largest weight {e.weights.max(-1).mean():.3f}; disagreement of the 4 "
                         f"predictions ≤ ½ px from a block edge {e.disagreement[near].mean():.4f} vs "
                         f"{e.disagreement[~near].mean():.4f} elsewhere; over a window straddling a block corner the "
                         f"seam ratio is {st['full'].ratio:.2f} with the ensemble, {st['ensemble off'].ratio:.2f} "
                         f"without.")
        lines.append(f"- Along the line, the largest step between neighbouring samples is {step.max():.4f} "
                     f"(mean {step.mean():.4f}).")
        display(Markdown("\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 05
def notebook_05():
    return [
        md("""
        # Comparing codecs

        JPEG's 8×8 blocks are one kind of damage; WebP, JPEG 2000 and AVIF damage images differently. Pick a
        codec and a quality (or a target bit rate): the view shows the decoded LR image, its error, the
        upscales around the explained window with their PSNR-Y, and the attribution statistics of the window
        per model. Below, the same at a matched bit rate for every codec, and rate–distortion curves.
        """),
        code(SETUP),
        code("""
        from explain.widgets import CodecView

        view = CodecView(models, sc.hr, scale=sc.scale, window=window, codec="jpeg", quality=sc.quality,
                         steps=S.steps, target="gradient", progress=False)
        display(view)
        """),
        md("""
        ## All codecs at the JPEG's bit rate

        Each codec is set to the bit rate of the q=20 JPEG (closest setting), then the window is explained
        with LAM (gradient detector, as in notebook 00). Block shares refer to the 8×8 LR grid, which only
        JPEG (and, partly, WebP's 4×4/16×16 transform blocks) actually has.
        """),
        code("""
        from explain.codecs import available_codecs

        matched = {}
        for codec in available_codecs():
            view.set(codec=codec, mode="target bpp", bpp=round(sc.info.bpp, 2))
            matched[codec] = view.result
            print(view.text, end="\\n\\n")
        """),
        md("""
        ## Rate–distortion

        Bits per LR pixel against PSNR-Y of the decoded LR image (vs the clean LR image) and of each upscale
        (vs the HR original; in quick mode only over a 128-pixel square around the window).
        """),
        code("""
        from explain.widgets import format_curves, plot_rate_distortion, rate_distortion

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
        """),
        md("## What this notebook measured"),
        code("""
        def pct(x):
            return f"{100 * x:.1f}%"

        lines = [f"*{'Quick' if S.quick else 'Full'} mode, {sc.image}, LR {sc.lr.shape[:2]}; matched rate "
                 f"≈ {sc.info.bpp:.2f} bpp.*", "",
                 "| codec | bpp | LR PSNR-Y | bicubic | liif-jpeg | liif-clean | liif-jpeg DI "
                 "| liif-jpeg from neighbours |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for codec, res in matched.items():
            row = {r["model"]: r for r in res["rows"]}
            lines.append(f"| {codec} | {res['info'].bpp:.3f} | {res['psnr_lr']:.2f} | "
                         f"{res['psnr_sr']['bicubic']:.2f} | {res['psnr_sr']['liif-jpeg']:.2f} | "
                         f"{res['psnr_sr']['liif-clean']:.2f} | "
                         f"{row['liif-jpeg']['DI']:.3f} | {pct(row['liif-jpeg']['neighbour blocks'])} |")
        best = max(matched, key=lambda k: matched[k]["psnr_sr"]["liif-jpeg"])
        lines += ["", f"- At the matched rate, liif-jpeg's best input comes from **{best}** (region PSNR-Y "
                      f"{matched[best]['psnr_sr']['liif-jpeg']:.2f} dB)."]
        for codec, c in rd.items():
            gain = c.psnr_sr["liif-jpeg"] - c.psnr_sr["bicubic"]
            lines.append(f"- {codec}: liif-jpeg − bicubic over the RD points {np.round(gain, 2).tolist()} dB "
                         f"(at {np.round(c.bpp, 2).tolist()} bpp).")
        display(Markdown("\\n".join(lines)))
        """),
    ]


STUDY_SETUP = """
%matplotlib inline
import torch
from IPython.display import Markdown, display

import explain
from explain.notebooks import settings

S = settings()  # quick mode when EXPLAIN_QUICK=1: small crops, few images, few steps
torch.manual_seed(0)
models = {name: explain.load_model(name) for name in ("liif-jpeg", "liif-clean")}
for name, m in models.items():
    meta = getattr(m, "meta", None) or {}
    print(f"{name}: {m.num_parameters():,} parameters, trained {meta.get('steps', '?')} steps")
print("QUICK MODE" if S.quick else "full mode")
"""


# ------------------------------------------------------------------------------------------------ 06
def notebook_06():
    return [
        md("""
        # Compressed models: where do fp16, int8 and pruned copies stop agreeing?

        *Understanding the Effect of the Long Tail on Neural Network Compression* (arXiv 2306.06238) finds
        that compression costs little on average but concentrates its damage on rare, memorised examples.
        Here we build compressed copies of `liif-jpeg` — float16, int8 (dynamic quantisation of the MLP; the
        convolutional encoder stays float32 because PyTorch has no dynamic quantisation for `Conv2d`), and
        50 / 70 / 90 % global magnitude pruning — and measure, on 16×16-pixel LR patches of JPEG-coded images,
        how far each copy's ×4 output is from the full model's. Then we ask which patches suffer: those with
        strong JPEG blocking, those that are *rare* (far from training-like patches in latent space), or those
        where the full model itself is wrong.

        **Disagreement + latent rarity is a proxy for the paper's memorisation scores, not those scores**
        (they need models retrained without each example).
        """),
        code(STUDY_SETUP),
        code("""
        from explain.studies import compressed_models as cm

        audit = cm.audit(models["liif-jpeg"], images=["astronaut"] if S.quick else None, scale=4,
                         conditions=("jpeg30",) if S.quick else cm.DEFAULT_CONDITIONS,
                         crop=192 if S.quick else 256, bank_images=4 if S.quick else 24, top=6, progress=False)
        display(Markdown(cm.render_markdown(audit)))
        """),
        md("""
        ## The patches that disagree most

        Rows: the LR patch, the HR original, the full model, the copy, and |copy − full| (scaled to its own
        maximum). Pruned copies disagree on edges: the sharpening the model adds over bicubic is what pruning
        removes first.
        """),
        code("""
        from explain.figures.studies import plot_top_disagreements

        display(plot_top_disagreements(audit, "prune50"))
        """),
        md("## Disagreement against blocking, JPEG error, rarity and the model's own error"),
        code("""
        from explain.figures.studies import plot_audit_scatter

        display(plot_audit_scatter(audit))
        """),
        md("""
        ## Why 50 % pruning already hurts: the global threshold empties small layers

        A global magnitude threshold prunes layers with small weights hardest. With a bicubic skip the MLP's
        last layer starts at zero and stays small, so it can be pruned away almost entirely — the model then
        falls back to plain bicubic. Layer-wise pruning (`lprune50`) keeps each layer's largest weights.
        """),
        code("""
        for kind in ("prune50", "lprune50"):
            info = cm.describe_copy(cm.compressed_copy(models["liif-jpeg"], kind), kind)
            last = list(info["layer_sparsity"])[-1]
            print(f"{kind}: overall {100 * info['sparsity']:.1f} % zero, last layer ({last}) "
                  f"{100 * info['layer_sparsity'][last]:.1f} % zero, "
                  f"emptied layers: {info['emptied_layers'] or 'none'}")
        """),
        md("## What this notebook measured"),
        code("""
        worst = max(audit.variants, key=lambda v: audit.agreement[v]["mean"])
        best = min(audit.variants, key=lambda v: audit.agreement[v]["mean"])
        lines = [f"*{'Quick' if S.quick else 'Full'} mode: {len(audit.rarity)} patches from "
                 f"{', '.join(audit.images)} × {', '.join(audit.conditions)}.*", ""]
        for v in audit.variants:
            a, c = audit.agreement[v], audit.correlations[v]
            lines.append(f"- **{v}**: PSNR vs the full model {a['psnr_vs_full']:.1f} dB, mean disagreement "
                         f"{255 * a['mean']:.2f}/255, ΔPSNR-Y vs HR {a['delta_psnr']:+.3f} dB; Spearman ρ with "
                         f"rarity {c['rarity']:+.2f}, JPEG error {c['jpeg_error']:+.2f}, own error {c['full_error']:+.2f}.")
        lines += ["", f"Closest copy: {best}; farthest: {worst}. Correlations are a proxy for memorisation, "
                      "not a measurement of it."]
        display(Markdown("\\n".join(lines)))
        """),
    ]


# ------------------------------------------------------------------------------------------------ 07
def notebook_07():
    return [
        md("""
        # Region-priority coding and the information in the latent codes

        Two questions from recent compression research, asked of our LIIF models.

        1. **Tell the codec what is worth compressing** (SDComp, arXiv 2408.08575): at the same total bit
           rate, code the region where the SR model's attribution concentrates at a high JPEG quality and the
           rest at a low one. Does the upscale improve inside the region, and what does it cost outside?
        2. **What do the latents carry?** (LCL, arXiv 2406.07543, trains encoders to maximise the information
           their latents carry.) Linear probes read the 8×8 block phase, the codec and the JPEG quality from a
           single latent code; an InfoNCE lower bound measures how much a code says about the clean HR patch.
        """),
        code(STUDY_SETUP),
        md("""
        ## Region-priority vs uniform JPEG at equal rate

        The two-quality code is counted MCU by MCU from real JPEG streams (see
        `explain.studies.region_coding`): it never uses more bytes than the uniform JPEG it is compared with.
        """),
        code("""
        from explain.figures.studies import plot_region_coding
        from explain.studies import region_coding as rc
        from explain.studies._common import load_hr

        hr = load_hr("astronaut", 2, crop=256 if S.quick else None)
        region = rc.region_coding(hr, 2, models, target_bpp=1.0 if S.quick else 0.6, region="attribution",
                                  area=0.25, name="astronaut")
        study = rc.RegionStudy([region], {"scale": 2, "target_bpp": 1.0 if S.quick else 0.6})
        display(Markdown(rc.render_markdown(study)))
        display(plot_region_coding(region))
        """),
        md("""
        ## Linear probes and InfoNCE bounds on the latent codes

        Train and test codes come from different images; 'input 3×3' reads the decoded pixels instead of the
        code. If `liif-jpeg`'s codes predicted the block phase far above chance, the model would represent
        where it sits in the JPEG grid.
        """),
        code("""
        from explain.figures.studies import plot_probe_accuracies
        from explain.studies import latent_information as li

        info = li.latent_information(models, images=list(explain.DEFAULT_IMAGES[:3]) if S.quick else None,
                                     crop=128 if S.quick else 256, per_image=128 if S.quick else 1024,
                                     steps=40 if S.quick else 300, probe_steps=20 if S.quick else 100,
                                     progress=False)
        display(Markdown(li.render_markdown(info)))
        display(plot_probe_accuracies(info))
        """),
        md("## What this notebook measured"),
        code("""
        gains = study.mean_gains()
        lines = [f"*{'Quick' if S.quick else 'Full'} mode.*", "",
                 f"- Region coding (astronaut, {100 * region.region_share:.0f} % of pixels, JPEG q{region.code['high_quality']}"
                 f" / q{region.code['low_quality']} vs uniform q{region.uniform_quality} at {region.uniform_bpp:.2f} bpp): "
                 + "; ".join(f"{m} {g['inside']:+.2f} dB inside, {g['outside']:+.2f} dB outside" for m, g in gains.items()
                             if m != "decoded") + "."]
        for task in ("row phase (8)", "block phase (64)", f"codec ({len(info.params['codecs'])})"):
            accs = ", ".join(f"{m} {100 * info.accuracy(task, m):.1f} %" for m in models)
            chance = next(p.chance for p in info.probes if p.task == task)
            lines.append(f"- {task}: {accs} (chance {100 * chance:.1f} %).")
        display(Markdown("\\n".join(lines)))
        """),
    ]


NOTEBOOKS = {
    "00_why_the_blocks_disappeared.ipynb": notebook_00,
    "01_how_liif_rebuilds_detail.ipynb": notebook_01,
    "02_gradient_attribution.ipynb": notebook_02,
    "03_latent_features.ipynb": notebook_03,
    "04_local_ensemble.ipynb": notebook_04,
    "05_compare_codecs.ipynb": notebook_05,
    "06_compressed_models.ipynb": notebook_06,
    "07_region_coding_and_latent_information.ipynb": notebook_07,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` as an nbformat node (no outputs, no execution counts)."""
    nb = new_notebook(cells=NOTEBOOKS[name](), metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"  # stable ids: rebuilding an unchanged notebook gives identical bytes
    return nb


def text_of(nb) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the stored notebooks are up to date")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this folder)")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        text = text_of(build(name))
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python notebooks/build_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
