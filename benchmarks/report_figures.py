"""Benchmark: the figures and the HTML page of one explain report (what ``write_report`` adds to the compute).

    python benchmarks/report_figures.py                          # astronaut ↓4, JPEG q=20, 3 windows, default models
    python benchmarks/report_figures.py --dark --repeats 5       # the same photo darkened (×0.25 before JPEG)
    python benchmarks/report_figures.py --keep out/fig-bench     # keep the last report folder to look at

Makes the JPEG (scikit-image's astronaut downscaled ×4 with PIL bicubic, ``--dark`` multiplies it by 0.25 first,
JPEG at ``--quality`` 4:2:0) and runs :func:`explain.report.explain_photo` once with small effort (``--lam-steps``,
``--ig-steps``, ``--windows``, causal clues on, the original given so the causal figures are in dB). The report is
kept in memory (and pickled to ``--cache``, so a rerun skips the compute when the settings match), then
:func:`explain.report.pictures.make_figures` and :func:`explain.report.html.render_html` are timed ``--repeats``
times, and one whole :func:`explain.report.explain.write_report` (figures, HTML and ``report.json``). Prints the
median and minimum seconds of each, the number of PNGs and their total size, with the machine and thread count.
The target (issue 27): figures + HTML ≤ 3 s for 3 windows and 2–3 models on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from explain.images import downscale, load_image, to_uint8


def make_photo(folder: Path, quality: int, dark: bool) -> tuple[Path, np.ndarray]:
    """(JPEG path, HR original) of astronaut ↓4 (×0.25 darker with ``dark``)."""
    hr = load_image("astronaut")
    if dark:
        hr = hr * 0.25
    lr = downscale(hr, 4)
    path = folder / ("dark.jpg" if dark else "photo.jpg")
    Image.fromarray(to_uint8(lr)).save(path, "JPEG", quality=quality, subsampling=2)
    return path, hr


def get_report(args):
    from explain.jpeg_facts import read_photo
    from explain.report import explain_photo

    key = (args.quality, args.dark, args.windows, args.lam_steps, args.ig_steps, tuple(args.models or ()))
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        with open(cache, "rb") as f:
            stored = pickle.load(f)
        if stored.get("key") == key:
            return stored["report"], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        jpg, hr = make_photo(Path(tmp), args.quality, args.dark)
        t0 = time.perf_counter()
        report = explain_photo(read_photo(jpg), None, models=args.models, windows=args.windows,
                               lam_steps=args.lam_steps, ig_steps=args.ig_steps, causal=True, original=hr,
                               progress=False)
        compute = time.perf_counter() - t0
    if cache:
        with open(cache, "wb") as f:
            pickle.dump({"key": key, "report": report}, f)
    return report, compute


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quality", type=int, default=20)
    p.add_argument("--dark", action="store_true", help="darken the photo ×0.25 before the JPEG")
    p.add_argument("--models", nargs="+", help="names or checkpoint paths (default: the explain defaults)")
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--lam-steps", type=int, default=4)
    p.add_argument("--ig-steps", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--cache", default=None, help="pickle the computed report here and reuse it when it matches")
    p.add_argument("--keep", help="write the last report into this folder")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from explain.report.explain import write_report
    from explain.report.html import render_html
    from explain.report.pictures import make_figures

    report, compute = get_report(args)
    figures, pages = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            folder = Path(tmp) / f"figures-{i}"
            folder.mkdir()
            t0 = time.perf_counter()
            files = make_figures(report, folder)
            figures.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            render_html(report, files)
            pages.append(time.perf_counter() - t0)
        png_bytes = sum((folder / f).stat().st_size for f in files)
        out = Path(args.keep) if args.keep else Path(tmp) / "whole"
        t0 = time.perf_counter()
        write_report(report, out)
        whole = time.perf_counter() - t0
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}, torch {torch.__version__}, {torch.get_num_threads()} torch threads")
    h, w = report.photo.image.shape[:2]
    print(f"photo: {w}×{h} astronaut ↓4{' ×0.25 (dark)' if args.dark else ''}, JPEG q={args.quality}; "
          f"{len(report.windows)} windows, models {', '.join(report.models)}; causal labels "
          f"{', '.join(report.windows[0].causal)}" + (f"; compute {compute:.1f} s" if compute else " (cached)"))
    print(f"{len(files)} PNGs, {png_bytes / 1e6:.2f} MB")
    print(f"figures:        median {statistics.median(figures):6.2f} s  min {min(figures):6.2f} s "
          f"({args.repeats} runs)")
    print(f"HTML:           median {statistics.median(pages):6.3f} s  min {min(pages):6.3f} s")
    total = statistics.median(figures) + statistics.median(pages)
    print(f"figures + HTML: {total:6.2f} s (target ≤ 3 s)")
    print(f"write_report (figures + HTML + report.json): {whole:6.2f} s")
    return {"figures": figures, "html": pages, "write_report": whole, "pngs": len(files), "png_bytes": png_bytes}


if __name__ == "__main__":
    main()
