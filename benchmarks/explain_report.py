"""Benchmark: `liif-explain explain` on a JPEG of a given size, stage by stage.

    python benchmarks/explain_report.py                       # 1 MP astronaut JPEG, q = 20, default models
    python benchmarks/explain_report.py --megapixels 4 --threads 2 --models liif-jpeg liif-clean

Makes the JPEG (scikit-image's astronaut resized with PIL bicubic to the requested pixel count, JPEG at
``--quality`` with 4:2:0 chroma), then runs :func:`explain.report.explain_photo` into a temporary folder and prints
the time of reading the file, of each model's clues on each window, of the figures and of the whole run, with the
machine and thread count. Nothing is kept unless ``--out`` is given.
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


def make_jpeg(path: Path, megapixels: float, quality: int) -> tuple[int, int]:
    img = to_uint8(load_image("astronaut"))
    side = int(round(math.sqrt(megapixels * 1e6)))
    Image.fromarray(img).resize((side, side), Image.BICUBIC).save(path, "JPEG", quality=quality, subsampling=2)
    return side, side


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--megapixels", type=float, default=1.0)
    p.add_argument("--quality", type=int, default=20)
    p.add_argument("--models", nargs="+", help="names or checkpoint paths (default: the explain defaults)")
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--lam-steps", type=int, default=16)
    p.add_argument("--ig-steps", type=int, default=8)
    p.add_argument("--randomise", default="first", choices=("first", "all", "none"))
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    p.add_argument("--out", help="keep the report in this folder")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        jpg = Path(tmp) / "photo.jpg"
        h, w = make_jpeg(jpg, args.megapixels, args.quality)
        t0 = time.perf_counter()
        photo = read_photo(jpg)
        t_read = time.perf_counter() - t0
        t1 = time.perf_counter()
        report = explain_photo(photo, None, models=args.models, windows=args.windows, lam_steps=args.lam_steps,
                               ig_steps=args.ig_steps, randomise=args.randomise, progress=True)
        t_compute = time.perf_counter() - t1
        t2 = time.perf_counter()
        out = Path(args.out) if args.out else Path(tmp) / "report"
        write_report(report, out)
        t_write = time.perf_counter() - t2
    total = t_read + t_compute + t_write
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads")
    print(f"photo: {w}×{h} = {h * w / 1e6:.2f} MP JPEG q={args.quality} 4:2:0 ({photo.facts.file_bytes:,} bytes)")
    print(f"read + JPEG facts + grid search: {t_read:6.2f} s")
    for win in report.windows:
        for name, c in win.clues.items():
            extra = " (with randomisation test)" if c.randomised is not None else ""
            print(f"window {win.index}, {name:>16}: clues {c.seconds:6.1f} s{extra}")
    for name, secs in report.timings["per_model_seconds"].items():
        print(f"{name:>16}: {secs:6.1f} s over {len(report.windows)} windows (clues, ensemble, latent codes)")
    print(f"compute: {t_compute:6.1f} s   figures + HTML + JSON: {t_write:6.1f} s   total: {total:6.1f} s")
    return {"megapixels": h * w / 1e6, "read": t_read, "compute": t_compute, "write": t_write, "total": total,
            "per_window": [[c.seconds for c in win.clues.values()] for win in report.windows],
            "answer": report.answer, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    main()
