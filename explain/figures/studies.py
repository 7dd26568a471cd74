"""Figures of the studies in :mod:`explain.studies`. Each function takes a study result (plain data) and
returns a :class:`matplotlib.figure.Figure` made without pyplot; none imports the studies (results are read by
their attributes and methods)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

_CODEC_STYLE = {"jpeg": ("tab:red", "o"), "webp": ("tab:blue", "s"), "jpeg2000": ("tab:green", "^"),
                "avif": ("tab:purple", "D")}
_METRIC_TITLES = {"psnr_y": "PSNR-Y (dB)", "ssim": "SSIM (Y)", "psnr_b": "PSNR-B (dB)", "bef": "BEF",
                  "block_ratio": "D_B / D_B^c"}


def _style(codec: str, i: int):
    return _CODEC_STYLE.get(codec, (f"C{i}", "x"))


def _curve(study, codec: str, method: str, key: str):
    points = sorted((p for p in study.curves if p.codec == codec and p.method == method), key=lambda p: p.bpp)
    return np.array([p.bpp for p in points]), np.array([getattr(p, key) for p in points])


def plot_rd_curves(study, metric: str = "psnr_y") -> Figure:
    """Rate–distortion curves (image-mean bpp vs image-mean ``metric``) per codec, one panel per method:
    the decoded LR against the clean LR, then each ×s upscale against HR."""
    if metric not in ("psnr_y", "ssim", "psnr_b"):
        raise ValueError(f"metric must be psnr_y, ssim or psnr_b, got {metric!r}")
    methods = study.methods
    fig = Figure(figsize=(3.6 * len(methods), 3.4), layout="constrained")
    axes = fig.subplots(1, len(methods), squeeze=False)[0]
    for ax, method in zip(axes, methods):
        for i, codec in enumerate(study.codecs):
            x, y = _curve(study, codec, method, metric)
            color, marker = _style(codec, i)
            ax.plot(x, y, marker=marker, color=color, label=codec, lw=1.4, ms=4)
        ax.set_xlabel("bits per LR pixel")
        ax.set_title("decoded LR vs clean LR" if method == "decoded" else f"×{study.params['scale']} {method}",
                     fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(_METRIC_TITLES[metric])
    axes[0].legend(fontsize=8)
    return fig


def plot_blocking_vs_rate(study) -> Figure:
    """Blocking of the decoded LR on the 8×8 grid against rate, per codec: BEF and D_B / D_B^c (with the clean
    LR's level as a dashed line)."""
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    axes = fig.subplots(1, 2)
    ref = [r for r in study.rows if r.method == "decoded"]
    for ax, key, ref_key in zip(axes, ("bef", "block_ratio"), ("bef_reference", "block_ratio_reference")):
        for i, codec in enumerate(study.codecs):
            x, y = _curve(study, codec, "decoded", key)
            color, marker = _style(codec, i)
            ax.plot(x, y, marker=marker, color=color, label=codec, lw=1.4, ms=4)
        if ref:
            ax.axhline(float(np.mean([getattr(r, ref_key) for r in ref])), color="gray", ls="--", lw=1,
                       label="clean LR")
        ax.set_xlabel("bits per LR pixel")
        ax.set_ylabel(_METRIC_TITLES[key])
        ax.grid(alpha=0.3)
    axes[0].set_title("blocking effect factor (8×8 grid)", fontsize=9)
    axes[1].set_title("boundary / interior squared steps", fontsize=9)
    axes[1].legend(fontsize=8)
    return fig


def plot_top_disagreements(result, variant: str, count: int | None = None) -> Figure:
    """The patches where ``variant`` disagrees most with the full model: rows LR patch, HR, full SR, copy SR,
    |copy − full| (amplified to its own maximum)."""
    if variant not in result.top_patches:
        raise ValueError(f"unknown variant {variant!r}; audited: {list(result.top_patches)}")
    crops = result.top_patches[variant]
    n = len(crops["lr"]) if count is None else min(count, len(crops["lr"]))
    idx = result.top[variant][:n]
    v = result.variants.index(variant)
    fig = Figure(figsize=(1.6 * n + 0.8, 8.2), layout="constrained")
    axes = fig.subplots(5, n, squeeze=False)
    diff = np.abs(crops["copy"][:n] - crops["full"][:n]).mean(-1)
    for j in range(n):
        panels = [crops["lr"][j], crops["hr"][j], crops["full"][j], crops["copy"][j]]
        for i, img in enumerate(panels):
            axes[i, j].imshow(np.clip(img, 0, 1), interpolation="nearest")
        axes[4, j].imshow(diff[j], cmap="magma", vmin=0, vmax=max(float(diff[j].max()), 1e-12),
                          interpolation="nearest")
        p = idx[j]
        axes[0, j].set_title(f"{result.images[result.patch_image[p]]}\n{result.conditions[result.patch_condition[p]]}"
                             f"\nRMS {255 * result.disagreement[v, p]:.2f}/255", fontsize=7)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for i, name in enumerate(["LR", "HR", "full", variant, "|diff|"]):
        axes[i, 0].set_ylabel(name, fontsize=8)
    fig.suptitle(f"Top disagreement of {variant} with the full model", fontsize=9)
    return fig


def plot_audit_scatter(result) -> Figure:
    """Disagreement of each copy (log scale, grey levels) against the four patch properties, one row per copy,
    Spearman ρ in each title."""
    props = [("blocking", result.blocking, "D_B − D_B^c"), ("jpeg_error", result.jpeg_error, "LR JPEG RMS"),
             ("rarity", result.rarity, "latent rarity"), ("full_error", result.full_error, "full-model RMS")]
    nv = len(result.variants)
    fig = Figure(figsize=(12, 2.4 * nv + 0.4), layout="constrained")
    axes = fig.subplots(nv, 4, squeeze=False)
    for i, variant in enumerate(result.variants):
        d = np.maximum(255 * result.disagreement[i], 1e-6)
        for j, (key, values, label) in enumerate(props):
            ax = axes[i, j]
            ax.scatter(values, d, s=4, alpha=0.5, color="tab:blue")
            ax.set_yscale("log")
            ax.set_title(f"{variant}: ρ = {result.correlations[variant][key]:+.2f}", fontsize=8)
            if i == nv - 1:
                ax.set_xlabel(label, fontsize=8)
            if j == 0:
                ax.set_ylabel("RMS vs full (/255)", fontsize=8)
            ax.tick_params(labelsize=7)
    return fig


def plot_region_coding(result, lr=None) -> Figure:
    """Uniform vs region-priority decode of one image (needs ``keep_images``) with the region outlined, and
    the PSNR-Y change inside / outside per method as bars."""
    if result.decoded_uniform is None or result.decoded_region is None:
        raise ValueError("this RegionCoding kept no images (run region_coding(..., keep_images=True))")
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 1, 1.1])
    code = result.code
    titles = (f"uniform q{result.uniform_quality} ({result.uniform_bpp:.3f} bpp)",
              f"region q{code['high_quality']} / q{code['low_quality']} ({code['bpp']:.3f} bpp)")
    for ax, img, title in zip(axes[:2], (result.decoded_uniform, result.decoded_region), titles):
        ax.imshow(np.clip(img, 0, 1), interpolation="nearest")
        ax.contour(result.mask.astype(float), levels=[0.5], colors="yellow", linewidths=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    methods = list(result.psnr)
    x = np.arange(len(methods))
    for k, (part, color) in enumerate((("inside", "tab:orange"), ("outside", "tab:blue"), ("all", "tab:gray"))):
        axes[2].bar(x + (k - 1) * 0.27, [result.gain(m, part) for m in methods], 0.27, label=part, color=color)
    axes[2].axhline(0, color="black", lw=0.8)
    axes[2].set_xticks(x, methods, fontsize=8, rotation=20)
    axes[2].set_ylabel("PSNR-Y region − uniform (dB)")
    axes[2].legend(fontsize=8)
    axes[2].set_title(f"{result.image}: region {100 * result.region_share:.0f} % of pixels", fontsize=9)
    return fig


def plot_probe_accuracies(result) -> Figure:
    """Linear-probe test accuracy per task and model (bars) with chance marked, and the InfoNCE bounds."""
    tasks, labels = result.tasks(), result.labels()
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax, bx = fig.subplots(1, 2, width_ratios=[1.6, 1])
    width = 0.8 / max(1, len(labels))
    x = np.arange(len(tasks))
    for k, label in enumerate(labels):
        acc = [next((p.test_accuracy for p in result.probes if p.task == t and p.model == label), np.nan)
               for t in tasks]
        ax.bar(x + (k - (len(labels) - 1) / 2) * width, acc, width, label=label)
    for i, t in enumerate(tasks):
        chance = next(p.chance for p in result.probes if p.task == t)
        ax.hlines(chance, i - 0.45, i + 0.45, color="black", lw=1.2, linestyles="--")
    ax.set_xticks(x, tasks, fontsize=7, rotation=15)
    ax.set_ylabel("test accuracy (dashed: chance)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    keys = list(dict.fromkeys((s.input, s.target) for s in result.infonce))
    xi = np.arange(len(keys))
    for k, label in enumerate(labels):
        vals = [next((s.bound for s in result.infonce if (s.input, s.target) == key and s.model == label), np.nan)
                for key in keys]
        bx.bar(xi + (k - (len(labels) - 1) / 2) * width, vals, width, label=label)
    if result.infonce:
        bx.axhline(result.infonce[0].log_n, color="black", ls="--", lw=1)
    bx.set_xticks(xi, [f"{i}\n{t}" for i, t in keys], fontsize=7)
    bx.set_ylabel("InfoNCE bound (nats; dashed: log N)")
    return fig


def plot_rate_distortion(curves: dict, title: str | None = None) -> Figure:
    """Two panels against bits per LR pixel: PSNR-Y of the decoded LR image (left) and of the upscales
    (right; colour = codec, line style = upscaler), from :func:`explain.studies.rate_distortion.rate_distortion`'s
    ``{codec: RateDistortionCurve}``."""
    if not curves:
        raise ValueError("no rate–distortion curves to plot")
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_lr, ax_sr = fig.subplots(1, 2)
    styles = ["-", "--", ":", "-."]
    outputs = list(next(iter(curves.values())).psnr_sr)
    for i, (codec, c) in enumerate(curves.items()):
        order = np.argsort(c.bpp)
        ax_lr.plot(c.bpp[order], c.psnr_lr[order], "-o", ms=3, color=f"C{i}", label=codec)
        for j, name in enumerate(outputs):
            ax_sr.plot(c.bpp[order], c.psnr_sr[name][order], styles[j % len(styles)], marker="o", ms=3,
                       color=f"C{i}", label=f"{codec} → {name}")
    ax_lr.set_title("decoded LR vs clean LR")
    ax_sr.set_title("upscaled output vs HR original")
    for ax in (ax_lr, ax_sr):
        ax.set_xlabel("bits per LR pixel")
        ax.set_ylabel("PSNR-Y (dB)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    return fig
