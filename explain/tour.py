"""`liif-explain tour`: the main job behind `make demo`.

Takes a default image (or a clean original of your own), makes the low-resolution copy LIIF's way (×scale PIL
bicubic), JPEG-compresses it (q=20, 4:2:0 by default), upscales it with bicubic and the models, and explains the
blockiest 8×8 blocks of that JPEG with :func:`explain.headline.explain_jpeg` — the clue taxonomy of
:func:`explain.probes.clues.clues`, the same computation as ``liif-explain explain`` and notebook 00 — so the
answer in words (:mod:`explain.report.words`) and its numbers are the ones they print. The HTML report holds the
answer, the numbers per model under the names of :data:`explain.headline.QUANTITIES`, the windows, the crops with
their crop PSNR-Y, the whole-image PSNR-Y / SSIM / PSNR-B, the clue figures of the first window, and the complete
explain report of every window in ``explain/``.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .figures.clues import plot_window_outputs, plot_windows
from .headline import (
    QUANTITIES,
    explain_jpeg,
    format_value,
    headline_scene,
    model_means,
    named_models,
    numbers_table,
)
from .images import DEFAULT_IMAGE, save_image, upscale_bicubic
from .jpeg_facts import _json_safe
from .metrics import psnr_b, psnr_y, ssim
from .models import is_model
from .models.names import DEFAULT_MODELS
from .upscale import upscale


@dataclass
class TourResult:
    """What the tour measured.

    out_dir, report: the folder and its index.html; ``explanation``: the :class:`explain.report.ExplainReport`
    (its ``answer`` is the answer in words); ``windows``: the explained LR windows (row, col, height, width);
    ``metrics``: whole-image PSNR-Y / SSIM / PSNR-B per output; ``crop_metrics``: crop PSNR-Y per window and
    output; ``numbers``: :func:`explain.headline.model_means`; ``bpp``: bits per LR pixel of the JPEG.
    """

    out_dir: Path
    report: Path
    explanation: object
    windows: list[tuple[int, int, int, int]]
    metrics: dict[str, dict[str, float]]
    crop_metrics: list[dict[str, float]]
    numbers: dict[str, dict[str, float]]
    bpp: float
    model_status: dict[str, str] = field(default_factory=dict)

    @property
    def answer(self) -> list[str]:
        return list(self.explanation.answer)


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


def _specs(models) -> list:
    """Models as :func:`explain.report.explain.resolve_models` takes them: names / paths / LIIFs as given, or a
    dict label → model or path as copies named by their labels (default: DEFAULT_MODELS)."""
    if models is None:
        return list(DEFAULT_MODELS)
    if isinstance(models, dict):
        return named_models(models)
    return [models] if isinstance(models, (str, os.PathLike)) or is_model(models) else list(models)


def run_tour(image=DEFAULT_IMAGE, scale: int = 4, quality: int = 20, out_dir="out/tour", models=None,
             progress: bool = True, windows: int | None = None, lam_steps: int | None = None,
             ig_steps: int | None = None, randomise: str | None = None) -> TourResult:
    """Run the tour and write ``out_dir/index.html``; returns what it measured.

    models: names or checkpoint paths, or a dict label → model / path (default
    :data:`explain.models.names.DEFAULT_MODELS`). windows, lam_steps, ig_steps, randomise: passed to
    :func:`explain.report.explain_photo` when given (its defaults otherwise, the ones ``liif-explain explain``
    uses). The report is assembled in a temporary folder and moved into place at the end, so a failed run leaves
    no partial report behind.
    """
    from .report.explain import resolve_models, write_report
    from .report.pictures import figure_names

    if isinstance(scale, bool) or int(scale) != scale or scale < 1:
        raise ValueError(f"the tour uses an integer scale >= 1 (block grid 8·scale), got {scale}")
    scale = int(scale)
    if isinstance(quality, bool) or int(quality) != quality or not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
    out_dir = Path(out_dir)
    _check_report_folder(out_dir)
    specs = _specs(models)
    effort = {k: v for k, v in (("windows", windows), ("lam_steps", lam_steps), ("ig_steps", ig_steps),
                                ("randomise", randomise)) if v is not None}
    sc = headline_scene(image, scale, int(quality))
    hr, lr = sc.hr, sc.lr
    if min(lr.shape[:2]) < 24:
        raise ValueError(f"image too small: its ×{scale} downscale is {lr.shape[0]}×{lr.shape[1]} LR pixels; the "
                         "tour explains 8×8 blocks with their 8 neighbours (24×24 LR pixels)")

    t_start = time.perf_counter()
    found = resolve_models(specs)  # label → model; unknown names fail here, before any computation
    explanation = explain_jpeg(sc.photo, found, scale=scale, progress=progress, original=hr, **effort)
    names = explanation.models
    status = explanation.model_status
    inp = f"JPEG q={sc.quality} input (nearest)"
    outputs = {inp: np.kron(lr, np.ones((scale, scale, 1), dtype=lr.dtype)),
               "bicubic": upscale_bicubic(lr, size=hr.shape[:2])}
    timings = {}
    for name in names:
        t0 = time.perf_counter()
        outputs[name] = upscale(found[name], lr, size=hr.shape[:2], progress=progress)
        timings[name] = time.perf_counter() - t0
    metrics = {name: {"psnr_y": psnr_y(hr, img, shave=scale), "ssim": ssim(hr, img, shave=scale),
                      "psnr_b": psnr_b(hr, img, block_size=8 * scale, shave=scale)} for name, img in outputs.items()}

    phase = tuple(explanation.facts.grid_phase)
    crop_metrics, crops = [], []
    for w in explanation.windows:
        r, c, hh, ww = w.window_lr
        truth = hr[r * scale:(r + hh) * scale, c * scale:(c + ww) * scale]
        shown = {"ground truth": truth, inp: w.outputs["input (nearest)"], "bicubic": w.outputs["bicubic"],
                 **{n: w.outputs[n] for n in names}}
        values = {k: psnr_y(truth, v) for k, v in shown.items() if k != "ground truth"}
        crop_metrics.append(values)
        crops.append(shown)
    numbers = model_means(explanation)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tour-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes a private (0700) folder; the report gets the usual permissions
    try:
        (tmp / "input_lr.jpg").write_bytes(sc.data)
        save_image(hr, tmp / "original.png")  # `liif-explain explain input_lr.jpg --original original.png`
        save_image(lr, tmp / "input_lr_jpeg.png")
        for name, img in outputs.items():
            save_image(img, tmp / f"full_{_slug(name)}.png")
        _save(plot_windows(lr, [w.window_lr for w in explanation.windows], phase,
                           title=f"the JPEG input with the {len(explanation.windows)} explained windows "
                                 "(3×3 blocks each, blockiest first)"), tmp / "windows.png")
        crop_files = []
        for w, shown, values in zip(explanation.windows, crops, crop_metrics):
            captions = {k: f"crop PSNR-Y {values[k]:.2f} dB" for k in values}
            captions["ground truth"] = "the original (reference of crop PSNR-Y)"
            fig = plot_window_outputs(shown, w.window_lr, w.block_box, phase, ncols=min(len(shown), 5),
                                      captions=captions)
            crop_files.append(f"crops_window{w.index}.png")
            _save(fig, tmp / crop_files[-1])
        write_report(explanation, tmp / "explain")
        figures = figure_names(1)
        summary = {"image": str(image), "input": sc.description, "scale": scale, "quality": sc.quality,
                   "bpp": sc.bpp, "nbytes": len(sc.data), "windows_lr": [w.window_lr for w in explanation.windows],
                   "blocks_lr": [w.block_box for w in explanation.windows],
                   "answer": explanation.answer, "numbers": numbers,
                   "quantities": {k: v[0] for k, v in QUANTITIES.items()},
                   "metrics_whole_image": metrics, "metrics_crop_psnr_y": crop_metrics,
                   "headline_model": explanation.headline_model, "models": status,
                   "explain_settings": explanation.params, "explain_seconds": explanation.seconds,
                   "upscale_seconds": timings, "seconds": time.perf_counter() - t_start,
                   "command": tour_command(image, scale, sc.quality, models, effort)}
        (tmp / "summary.json").write_text(json.dumps(_json_safe(summary), indent=2, allow_nan=False))
        (tmp / "index.html").write_text(_html(summary, crop_files, figures, explanation))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return TourResult(out_dir, out_dir / "index.html", explanation, [w.window_lr for w in explanation.windows],
                      metrics, crop_metrics, numbers, sc.bpp, status)


def tour_command(image, scale, quality, models, effort) -> str:
    """The command line that reproduces a tour with these settings."""
    parts = ["liif-explain", "tour"]
    if str(image) != DEFAULT_IMAGE:
        parts += ["--image", str(image)]
    if scale != 4:
        parts += ["--scale", str(scale)]
    if quality != 20:
        parts += ["--quality", str(quality)]
    if models is not None and not isinstance(models, dict):
        names = [models] if isinstance(models, str) else [str(m) for m in models]
        if names != list(DEFAULT_MODELS):
            parts += ["--models", *names]
    for key, flag in (("windows", "--windows"), ("lam_steps", "--lam-steps"), ("ig_steps", "--ig-steps"),
                      ("randomise", "--randomise")):
        if key in effort:
            parts += [flag, str(effort[key])]
    return " ".join(parts)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")


def _save(fig, path):
    fig.savefig(path, dpi=100)


def _numbers_html(numbers: dict) -> str:
    names = list(numbers)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    rows = "".join(f"<tr><td>{html.escape(label)}</td>"
                   + "".join(f"<td>{format_value(k, numbers[n][k])}</td>" for n in names) + "</tr>"
                   for k, (label, _) in QUANTITIES.items())
    return f"<table><tr><th>quantity (mean over the explained blocks)</th>{head}</tr>{rows}</table>"


def _html(s: dict, crop_files: list[str], figures: dict, explanation) -> str:
    e = html.escape
    k = explanation.plain_paragraphs
    picture = (f'<img src="explain/{figures["causal"]}" style="max-width:100%" alt="the block and its neighbours '
               'coloured by causal effect">' if k else "")
    answer = ("".join(f"<p>{e(p)}</p>" for p in s["answer"][:k]) + picture
              + "".join(f"<p>{e(p)}</p>" for p in s["answer"][k:]))
    rows = "".join(
        f"<tr><td>{e(k)}</td><td>{v['psnr_y']:.2f}</td><td>{v['ssim']:.4f}</td><td>{v['psnr_b']:.2f}</td></tr>"
        for k, v in s["metrics_whole_image"].items())
    status = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in s["models"].items())
    crops = "".join(f"<img src=\"{f}\" style=\"max-width:100%\"><br>" for f in crop_files)
    p = s["explain_settings"]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>liif-explain tour</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}} td:first-child{{text-align:left}}
.answer{{background:#f4f7fb;padding:2px 14px;border-left:4px solid #3570b0}}</style></head>
<body><h1>Why did the blocks disappear?</h1>
<div class="answer">{answer}</div>
<p>Reproduce: <code>{e(s['command'])}</code>. The same numbers come from <code>liif-explain explain
input_lr.jpg --original original.png</code> on the JPEG and the original in this folder and from notebook 00
with its default parameters: all three call
<code>explain.headline.explain_jpeg</code> (the clue taxonomy, <code>explain.probes.clues</code>) on the same
blocks with the same models ({p['lam_steps']} LAM steps, {p['ig_steps']} integrated-gradient nodes, coarser-JPEG
baseline at quality {p['baseline_quality']}, weight randomisation on window {'1' if p['randomise'] == 'first'
else p['randomise']}).</p>
<h2>The numbers</h2>{_numbers_html(s['numbers'])}
<p>Shares are of |LAM attribution| of the detail rebuilt in the block (LAM's gradient detector) unless named
otherwise; DI = Diffusion Index (0–100, higher = evidence more spread out), over the whole LR map as LAM computes
it or over the receptive box only. Every window and model: <a href="explain/index.html">explain/index.html</a>.</p>
<h2>The input</h2><p>{e(s['input'])}: {s['nbytes']} bytes, {s['bpp']:.3f} bits per LR pixel
(<code>input_lr.jpg</code>). Upscaled back ×{s['scale']} by bicubic and by the models.</p>
<h2>Models</h2><ul>{status}</ul>
<h2>The explained windows</h2><p>The {len(s['windows_lr'])} non-overlapping 3×3-block windows with the highest
local blocking (Yim &amp; Bovik's D_B − D_B^c on luma), on the 8×8 grid the pixels show; the centre block of each
is explained. LR (row, col, height, width): {e(', '.join(str(tuple(w)) for w in s['windows_lr']))}.</p>
<img src="windows.png" style="max-width:70%">
<h2>The windows upscaled</h2><p>Crop PSNR-Y is measured on the window's crop only (no border shaved) against
the original; it is not the whole-image PSNR-Y of the table below.</p>{crops}
<h2>Whole-image quality</h2><p>Against the original, {s['scale']}-pixel border shaved; PSNR-B on the
{8 * s['scale']}-pixel grid of the upscaled JPEG blocks.</p>
<table><tr><th>output</th><th>whole-image PSNR-Y (dB)</th><th>SSIM</th><th>PSNR-B (dB)</th></tr>{rows}</table>
<h2>The clues in window 1</h2>
<p>Spatial: |LAM| around the block and how far the evidence reaches.</p>
<img src="explain/{figures['spatial']}" style="max-width:100%">
<p>Frequency: gradient × coefficient on the blockwise 8×8 DCT of the JPEG's Y, Cb, Cr.</p>
<img src="explain/{figures['frequency']}" style="max-width:100%">
<p>Channel: which input component each output component's detail draws on.</p>
<img src="explain/{figures['channel']}" style="max-width:100%">
<p>Local ensemble and latent codes of every model over the window.</p>
<img src="explain/{figures['ensemble_latent']}" style="max-width:100%">
<p>Full-size PNGs and <code>summary.json</code> (every number above) are in this folder; the complete explain
report (all windows, JSON of every clue) is <a href="explain/index.html">explain/</a>. Notebook 00 walks through
the same answer step by step: <a href="notebook_00.html">notebook_00.html</a> (written here by <code>make demo</code>;
open <code>notebooks/00_why_the_blocks_disappeared.ipynb</code> to run it yourself).</p>
</body></html>"""


def add_arguments(parser) -> None:
    parser.add_argument("--image", default=DEFAULT_IMAGE,
                        help="default image name or the path of a clean original (default: astronaut); it is "
                             "downscaled and JPEG-compressed — to explain a JPEG as it is, use liif-explain explain")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--quality", type=int, default=20, help="JPEG quality of the LR input")
    parser.add_argument("--out", default="out/tour", help="report folder (replaced)")
    parser.add_argument("--models", nargs="+", metavar="MODEL",
                        help="model names or checkpoint paths (default: liif-edsr and liif-edsr-jpeg)")
    parser.add_argument("--windows", type=int, help="how many blockiest windows to explain (default: as "
                                                    "liif-explain explain, 3)")
    parser.add_argument("--lam-steps", type=int, help="LAM blur-path steps (default: as liif-explain explain)")
    parser.add_argument("--ig-steps", type=int, help="integrated-gradients nodes (default: as liif-explain explain)")
    parser.add_argument("--randomise", choices=("first", "all", "none"),
                        help="weight-randomisation test (default: as liif-explain explain, first window)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def print_result(result: TourResult) -> None:
    """What ``liif-explain tour`` prints: the answer in words, the numbers, the whole-image metrics."""
    for paragraph in result.answer:
        print(paragraph)
        print()
    print(numbers_table(result.explanation))
    print()
    print("whole image, against the original:")
    for name, m in result.metrics.items():
        print(f"{name:>36}: PSNR-Y {m['psnr_y']:.2f} dB  SSIM {m['ssim']:.4f}  PSNR-B {m['psnr_b']:.2f} dB")
    for name, status in result.model_status.items():
        print(f"{name}: {status}")
    print(f"report: {result.report.resolve()}")


def jpeg_file_note(image) -> str | None:
    """The note ``tour`` prints when ``image`` is a JPEG file (a user's old web JPEG is usually meant to be
    explained as it is, which is ``liif-explain explain``'s job); None for names and other files. A file is a
    JPEG when Pillow reads its header as one, as :func:`explain.jpeg_facts.read_photo` decides (no decoding)."""
    from PIL import Image

    path = Path(str(image)).expanduser()
    if not path.is_file():
        return None
    try:
        with Image.open(path) as im:
            if im.format != "JPEG":
                return None
    except (OSError, ValueError):  # not an image Pillow knows: run_tour reports it
        return None
    return (f"note: {path.name} is a JPEG; the tour treats it as a clean original and compresses it again after "
            f"downscaling. To explain the JPEG as it is: liif-explain explain {path}")


def run(args) -> int:
    note = jpeg_file_note(args.image)
    if note:
        print(note, file=sys.stderr)
    result = run_tour(args.image, args.scale, args.quality, args.out, models=args.models, progress=not args.quiet,
                      windows=args.windows, lam_steps=args.lam_steps, ig_steps=args.ig_steps,
                      randomise=args.randomise)
    print_result(result)
    return 0
