"""Benchmark: `liif-explain explain` on a JPEG of a given size, stage by stage, without and with the causal clues.

    python benchmarks/explain_report.py                       # 403×301 astronaut JPEG, q = 20, default models
    python benchmarks/explain_report.py --megapixels 1 --threads 2 --causal on

Makes the JPEG (scikit-image's astronaut resized with PIL bicubic to ``--size`` W×H or ``--megapixels``, JPEG at
``--quality`` with 4:2:0 chroma), then runs :func:`explain.report.explain_photo` into a temporary folder and prints
the time of reading the file, of each model's clues on each window, of the causal clues, of the figures and of the
whole run, with the machine and thread count. ``--causal both`` (the default) runs it twice in the same process,
without the causal clues (``causal=False``: the computation before they existed) and with them, and prints both
totals. Nothing is kept unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from explain.images import load_image, to_uint8
from explain.jpeg_facts import read_photo
from explain.report import explain_photo
from explain.report.explain import write_report


def make_jpeg(path: Path, size: tuple[int, int], quality: int) -> tuple[int, int]:
    """astronaut resized to ``size`` (width, height) and saved as a 4:2:0 JPEG; returns (height, width)."""
    img = to_uint8(load_image("astronaut"))
    Image.fromarray(img).resize(size, Image.BICUBIC).save(path, "JPEG", quality=quality, subsampling=2)
    return size[1], size[0]


def run_once(photo, args, causal: bool, out) -> dict:
    """One explain run: timings of the stages and the report."""
    t1 = time.perf_counter()
    report = explain_photo(photo, None, models=args.models, windows=args.windows, lam_steps=args.lam_steps,
                           ig_steps=args.ig_steps, randomise=args.randomise, progress=True, causal=causal)
    t_compute = time.perf_counter() - t1
    t2 = time.perf_counter()
    write_report(report, out)
    return {"report": report, "compute": t_compute, "write": time.perf_counter() - t2}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="403x301", help="W×H of the JPEG (default 403x301)")
    p.add_argument("--megapixels", type=float, help="a square JPEG of this many megapixels instead of --size")
    p.add_argument("--quality", type=int, default=20)
    p.add_argument("--models", nargs="+", help="names or checkpoint paths (default: the explain defaults)")
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--lam-steps", type=int, default=16)
    p.add_argument("--ig-steps", type=int, default=8)
    p.add_argument("--randomise", default="first", choices=("first", "all", "none"))
    p.add_argument("--causal", default="both", choices=("both", "on", "off"),
                   help="run without the causal clues, with them, or both in turn (default)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    p.add_argument("--out", help="keep the (last) report in this folder")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.megapixels:
        side = int(round(math.sqrt(args.megapixels * 1e6)))
        size = (side, side)
    else:
        try:
            size = tuple(int(v) for v in args.size.lower().replace("×", "x").split("x"))
            assert len(size) == 2 and min(size) >= 24
        except (ValueError, AssertionError):
            p.error(f"--size must be W×H with both sides >= 24, got {args.size!r}")
    modes = {"both": (False, True), "on": (True,), "off": (False,)}[args.causal]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        jpg = Path(tmp) / "photo.jpg"
        h, w = make_jpeg(jpg, size, args.quality)
        t0 = time.perf_counter()
        photo = read_photo(jpg)
        t_read = time.perf_counter() - t0
        for causal in modes:
            out = Path(args.out) if args.out and causal == modes[-1] else Path(tmp) / f"report-{causal}"
            runs[causal] = run_once(photo, args, causal, out)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads")
    print(f"photo: {w}×{h} = {h * w / 1e6:.2f} MP JPEG q={args.quality} 4:2:0 ({photo.facts.file_bytes:,} bytes)")
    print(f"read + JPEG facts + grid search: {t_read:6.2f} s")
    totals = {}
    for causal, run in runs.items():
        report = run["report"]
        print(f"--- {'with' if causal else 'without'} the causal clues")
        for win in report.windows:
            for name, c in win.clues.items():
                extra = " (with randomisation test)" if c.randomised is not None else ""
                steps = (f" [LAM {c.params['lam_steps_used']}, IG {c.params['ig_steps_used']} / channel "
                         f"{'-'.join(str(v) for v in c.params['ig_steps_used_channel'])} steps]")
                cz = f", causal {win.causal[name].seconds:5.1f} s" if name in win.causal else ""
                print(f"window {win.index}, {name:>16}: clues {c.seconds:6.1f} s{extra}{steps}{cz}")
            for label, cc in win.causal.items():
                if label not in win.clues:
                    print(f"window {win.index}, {label:>16}: causal {cc.seconds:5.1f} s")
        for name, secs in report.timings["per_model_seconds"].items():
            print(f"{name:>28}: {secs:6.1f} s over {len(report.windows)} windows")
        totals[causal] = t_read + run["compute"] + run["write"]
        print(f"compute: {run['compute']:6.1f} s   figures + HTML + JSON: {run['write']:6.1f} s   "
              f"total: {totals[causal]:6.1f} s")
    if len(totals) == 2:
        print(f"explain on {w}×{h}: {totals[False]:.1f} s without the causal clues, {totals[True]:.1f} s with them "
              f"({totals[True] - totals[False]:+.1f} s)")
    last = runs[modes[-1]]["report"]
    return {"megapixels": h * w / 1e6, "read": t_read, "totals": {str(k): v for k, v in totals.items()},
            "answer": last.answer, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    main()
