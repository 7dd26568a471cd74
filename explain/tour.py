"""`liif-explain tour`: the main job behind `make demo`.

Takes a default image, makes the low-resolution copy LIIF's way, JPEG-compresses it, upscales it with
bicubic and the shipped LIIF models, finds the blockiest window and writes an HTML report with PNGs:
the overview, side-by-side crops of the window, and a table of PSNR-Y / SSIM / PSNR-B.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codecs import compress
from .figures.attribution import plot_attribution_comparison
from .figures.compare import plot_crops, plot_overview
from .figures.ensemble import plot_ensemble
from .images import DEFAULT_IMAGE, crop_to_multiple, downscale, load_image, save_image, upscale_bicubic
from .metrics import blockiest_window, psnr_b, psnr_y, ssim
from .models import LIIF, load_model
from .models.names import DEFAULT_MODELS, JPEG_TWIN, OFFICIAL
from .probes import attribute, ensemble_weights
from .upscale import upscale


@dataclass
class TourResult:
    out_dir: Path
    report: Path
    window: tuple[int, int, int, int]  # HR (row, col, height, width)
    metrics: dict[str, dict[str, float]]
    bpp: float
    model_status: dict[str, str] = field(default_factory=dict)
    probes: dict[str, dict[str, float]] = field(default_factory=dict)


def shipped_models(names=DEFAULT_MODELS) -> dict[str, tuple[LIIF, str]]:
    """The named models (default: the official ``liif-edsr`` and its JPEG twin), each with a one-line status.

    A missing model raises the loader's error, which names the command that fetches it.
    """
    found = {}
    for name in names:
        model = load_model(name)
        meta = getattr(model, "meta", None) or {}
        found[name] = (model, model_status(name, meta))
    return found


def model_status(name: str, meta: dict) -> str:
    """One line on where a model comes from: the official checkpoint, or our fine-tune's total steps and time."""
    if name == OFFICIAL or not meta.get("train_config"):
        return (f"{meta.get('origin') or 'checkpoint'}"
                + (f", {meta['epoch']} epochs" if meta.get("epoch") else "") + " (not trained by this project)")
    steps = meta.get("total_steps", meta.get("steps", "?"))  # totals over warm-started stages
    seconds = meta.get("total_train_seconds", meta.get("train_seconds", 0))
    stages = len(meta.get("stages") or [])
    init = (meta.get("train_config") or {}).get("init_from")
    return (f"trained {steps} steps ({seconds / 3600:.1f} h" + (f", {stages} stages" if stages > 1 else "") + ")"
            + (f", fine-tuned from {init}" if init else "") + f" — see its model card assets/{name}.json")


def probe_window(window_lr_corner, window_lr: int, scale: int, block: int = 8) -> tuple[int, int, int, int]:
    """A 4×4-LR-pixel window (HR coordinates) inside the 8×8 block at the centre of the blockiest window."""
    r, c = window_lr_corner
    br = (r + window_lr // 2) // block * block
    bc = (c + window_lr // 2) // block * block
    off = (block - 4) // 2
    return ((br + off) * scale, (bc + off) * scale, 4 * scale, 4 * scale)


REPORT_FILES = ("index.html", "summary.json")  # what marks a folder as an earlier tour report


def _check_report_folder(out_dir: Path) -> None:
    """The tour replaces ``out_dir`` as a whole, so it must be new, empty or an earlier tour report."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ValueError(f"tour output {str(out_dir)!r} exists and is not a folder")
    here = Path.cwd().resolve()
    if out_dir.resolve() == here or out_dir.resolve() in here.parents:
        raise ValueError(f"tour output {str(out_dir)!r} is the current folder or holds it; the tour replaces its "
                         "output folder, so name a folder of its own (e.g. out/tour)")
    if any(out_dir.iterdir()) and not all((out_dir / name).is_file() for name in REPORT_FILES):
        raise ValueError(f"tour output {str(out_dir)!r} is neither empty nor an earlier tour report; the tour "
                         "replaces its output folder, so name a new or empty one")


def run_tour(image=DEFAULT_IMAGE, scale: int = 4, quality: int = 20, out_dir="out/tour", window_lr: int = 16,
             models: dict | None = None, progress: bool = True, lam_steps: int = 30) -> TourResult:
    """Run the tour and write ``out_dir/index.html``; returns what it measured.

    The report is assembled in a temporary folder and moved into place at the end, so a failed run
    leaves no partial report behind.
    """
    if int(scale) != scale or scale < 1:
        raise ValueError(f"the tour uses an integer scale >= 1 (block grid 8·scale), got {scale}")
    scale = int(scale)
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
    out_dir = Path(out_dir)
    _check_report_folder(out_dir)
    models = shipped_models() if models is None else {k: (load_model(v), str(v)) for k, v in models.items()}
    hr = crop_to_multiple(load_image(image), 8 * scale)
    lr = downscale(hr, scale)
    lr_jpeg, info = compress(lr, "jpeg", quality=quality, subsampling="4:2:0")
    if window_lr <= 8:
        raise ValueError(f"the window must be wider than one 8×8 block, got {window_lr} LR pixels")
    if min(lr.shape[:2]) < window_lr:
        raise ValueError(f"image too small: its ×{scale} downscale is {lr.shape[:2]}, the window is {window_lr} px")

    r, c = blockiest_window(lr_jpeg, window_lr, block_size=8)
    window = (r * scale, c * scale, window_lr * scale, window_lr * scale)

    outputs = {"ground truth": hr, f"JPEG q={quality} input (nearest)": np.kron(lr_jpeg, np.ones((scale, scale, 1))),
               "bicubic": upscale_bicubic(lr_jpeg, size=hr.shape[:2])}
    t0 = time.perf_counter()
    timings = {}
    for name, (model, _) in models.items():
        t0 = time.perf_counter()
        outputs[name] = upscale(model, lr_jpeg, size=hr.shape[:2], progress=progress)
        timings[name] = time.perf_counter() - t0

    metrics = {}
    for name, img in outputs.items():
        if name == "ground truth":
            continue
        metrics[name] = {"psnr_y": psnr_y(hr, img, shave=scale), "ssim": ssim(hr, img, shave=scale),
                         "psnr_b": psnr_b(hr, img, block_size=8 * scale, shave=scale)}

    # Probes on the blockiest block: LAM attribution for every model, ensemble weights for the first.
    pwin = probe_window((r, c), window_lr, scale)
    attributions = {name: attribute(model, lr_jpeg, window=pwin, size=hr.shape[:2], method="lam", steps=lam_steps,
                                     target="gradient",
                                     progress=progress)
                    for name, (model, _) in models.items()}
    probes = {name: _probe_summary(a) for name, a in attributions.items()}
    ensemble_name = JPEG_TWIN if JPEG_TWIN in models else next(iter(models))  # the model that learned JPEG
    ens = ensemble_weights(models[ensemble_name][0], lr_jpeg, region=pwin, size=hr.shape[:2])

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tour-", dir=out_dir.parent))
    try:
        save_image(lr_jpeg, tmp / "input_lr_jpeg.png")
        for name, img in outputs.items():
            save_image(img, tmp / f"full_{_slug(name)}.png")
        _save(plot_overview(outputs["bicubic"], window, f"blockiest {window_lr}×{window_lr} LR window"),
              tmp / "overview.png")
        captions = {k: f"PSNR-Y {v['psnr_y']:.2f} dB" for k, v in metrics.items()}
        _save(plot_crops(outputs, window, captions, block=8 * scale, ncols=min(len(outputs), 5)), tmp / "crops.png")
        _save(plot_attribution_comparison(attributions, lr_jpeg, gamma=0.5,
                                          title=f"LAM ({lam_steps} steps) for the HR window {pwin}"),
              tmp / "attribution.png")
        _save(plot_ensemble(ens), tmp / "ensemble.png")
        status = {k: v[1] for k, v in models.items()}
        summary = {"image": str(image), "scale": scale, "quality": quality, "bpp": info.bpp, "nbytes": info.nbytes,
                   "window_hr": window, "probe_window_hr": pwin, "metrics": metrics, "probes": probes,
                   "ensemble_model": ensemble_name, "models": status,
                   "upscale_seconds": timings}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
        (tmp / "index.html").write_text(_html(summary))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return TourResult(out_dir, out_dir / "index.html", window, metrics, info.bpp, status, probes)


def _probe_summary(a) -> dict[str, float]:
    shares = a.block_shares
    return {"di": a.di_receptive, "own_block": shares["own"], "neighbour_blocks": shares["neighbours"],
            "beyond": shares["beyond"], "boundary_pixels": shares["boundary"], "boundary_area": shares["boundary_area"],
            "completeness_gap": a.relative_delta}


def _pct(x) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")


def _save(fig, path):
    fig.savefig(path, dpi=110)


def _html(summary: dict) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v['psnr_y']:.2f}</td><td>{v['ssim']:.4f}</td><td>{v['psnr_b']:.2f}</td></tr>"
        for k, v in summary["metrics"].items())
    status = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in summary["models"].items())
    s = summary
    probe_rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v['di']:.1f}</td><td>{100 * v['own_block']:.1f}%</td>"
        f"<td>{100 * v['neighbour_blocks']:.1f}%</td><td>{100 * v['beyond']:.1f}%</td>"
        f"<td>{100 * v['boundary_pixels']:.1f}%</td><td>{100 * v['boundary_area']:.1f}%</td>"
        f"<td>{_pct(v['completeness_gap'])}</td></tr>" for k, v in s["probes"].items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>liif-explain tour</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}} td:first-child{{text-align:left}}</style></head>
<body><h1>Why did the blocks disappear?</h1>
<p>Image <code>{html.escape(s['image'])}</code>, downscaled ×{s['scale']} (PIL bicubic), JPEG q={s['quality']}
(4:2:0): {s['nbytes']} bytes, {s['bpp']:.3f} bits per LR pixel. Upscaled back ×{s['scale']} by bicubic and LIIF.</p>
<h2>Models</h2><ul>{status}</ul>
<h2>Blockiest region</h2><p>The window with the highest local blocking measure (Yim &amp; Bovik BEF on the
8×8 grid of the JPEG input), HR rows/cols (row, col, height, width) = {tuple(s['window_hr'])}.</p>
<img src="overview.png" width="420"><br><img src="crops.png" style="max-width:100%">
<h2>Whole-image quality</h2><p>Against the ground truth, {s['scale']}-pixel border shaved; PSNR-B on the
{8 * s['scale']}-pixel grid of the upscaled JPEG blocks.</p>
<table><tr><th>output</th><th>PSNR-Y (dB)</th><th>SSIM</th><th>PSNR-B (dB)</th></tr>{rows}</table>
<h2>What the models use there</h2>
<p>LAM attribution (Gu &amp; Dong 2021: integrated gradients along a Gaussian-blur path) of LAM's gradient
detector (total gradient magnitude, i.e. the detail rebuilt) in the HR window {tuple(s['probe_window_hr'])},
which sits inside one 8×8 JPEG block of the input. Shares of the absolute attribution: the window's own
block, its 8 neighbouring blocks, and beyond; block-boundary pixels against the share of the receptive field
they cover. DI = Diffusion Index over the receptive field (higher = more spread out).
Maps are shown with display γ = 0.5.</p>
<table><tr><th>model</th><th>DI</th><th>own block</th><th>8 neighbours</th><th>beyond</th>
<th>boundary px</th><th>boundary area</th><th>IG gap</th></tr>{probe_rows}</table>
<img src="attribution.png" style="max-width:100%">
<p>Local ensemble of <b>{html.escape(s['ensemble_model'])}</b> on the same window: the weight of each of the 4
nearest latent codes at every output pixel, the dominant code, and where the 4 predictions disagree.</p>
<img src="ensemble.png" style="max-width:100%">
<p>Full-size PNGs and <code>summary.json</code> are in this folder. The step-by-step answer, with every number
computed on this image, is notebook 00: <a href="notebook_00.html">notebook_00.html</a> (written here by
<code>make demo</code>; open <code>notebooks/00_why_the_blocks_disappeared.ipynb</code> to run it yourself).</p>
</body></html>"""


def add_arguments(parser) -> None:
    parser.add_argument("--image", default=DEFAULT_IMAGE, help="default image name or path (default: astronaut)")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--quality", type=int, default=20, help="JPEG quality of the LR input")
    parser.add_argument("--out", default="out/tour", help="report folder (replaced)")
    parser.add_argument("--window", type=int, default=16, help="side of the explained window in LR pixels")


def run(args) -> int:
    result = run_tour(args.image, args.scale, args.quality, args.out, args.window)
    for name, m in result.metrics.items():
        print(f"{name:>36}: PSNR-Y {m['psnr_y']:.2f} dB  SSIM {m['ssim']:.4f}  PSNR-B {m['psnr_b']:.2f} dB")
    for name, p in result.probes.items():
        print(f"{name:>36}: LAM DI {p['di']:.1f}, own block {100 * p['own_block']:.1f}%, neighbouring blocks "
              f"{100 * p['neighbour_blocks']:.1f}%, beyond {100 * p['beyond']:.1f}%")
    for name, status in result.model_status.items():
        print(f"{name}: {status}")
    print(f"report: {result.report.resolve()}")
    return 0
