"""Benchmark: a corpus on Dask — images per minute with 1 and 2 worker processes, their ratio, peak memory.

    python benchmarks/corpus.py                           # 6 JPEGs of 64×64, the default models, low steps
    python benchmarks/corpus.py --images 16 --size 128 --workers 1 2 --lam-steps 16 --ig-steps 8

Makes ``--images`` small JPEGs from scikit-image's photos (PIL bicubic to ``--size`` pixels square, qualities
cycling through 15, 35, 60 and 90, 4:2:0), then runs :func:`explain.corpus.run.run_corpus` on them once per
entry of ``--workers`` (an embedded LocalCluster of that many worker processes, one torch thread each), each into
a fresh folder, and prints: the wall time of the run (cluster start and model loading included), images per minute,
the mean compute seconds per image on its worker, the peak resident memory of each worker process (MiB, from
``getrusage``), and the ratio of images per minute against the first entry. Nothing is kept unless ``--out``.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from PIL import Image

from explain.corpus import store
from explain.corpus.run import run_corpus
from explain.images import load_image, to_uint8

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera")
QUALITIES = (15, 35, 60, 90)


def make_images(folder: Path, n: int, size: int) -> list[Path]:
    """``n`` JPEGs of ``size``×``size`` (each photo from a different crop offset, so no two are the same)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        img = to_uint8(load_image(PHOTOS[i % len(PHOTOS)]))
        h, w = img.shape[:2]
        k = i // len(PHOTOS)
        side = min(h, w) - 16 * k
        crop = img[8 * k: 8 * k + side, 8 * k: 8 * k + side]
        path = folder / f"img{i:03d}_q{QUALITIES[i % len(QUALITIES)]}.jpg"
        Image.fromarray(crop).resize((size, size), Image.BICUBIC).save(path, "JPEG",
                                                                       quality=QUALITIES[i % len(QUALITIES)],
                                                                       subsampling=2)
        out.append(path)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=6, help="how many JPEGs (default 6)")
    p.add_argument("--size", type=int, default=64, help="their side in pixels (default 64)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run (default 1 2)")
    p.add_argument("--models", nargs="+", help="names or checkpoint paths (default: the explain defaults)")
    p.add_argument("--windows", type=int, default=1)
    p.add_argument("--lam-steps", type=int, default=4)
    p.add_argument("--ig-steps", type=int, default=4)
    p.add_argument("--randomise", default="first", choices=("first", "all", "none"))
    p.add_argument("--no-reports", action="store_true", help="rows only, no report folder per image")
    p.add_argument("--out", help="keep the images and the corpora in this folder")
    args = p.parse_args(argv)
    settings = {"scale": 4.0, "windows": args.windows, "lam_steps": args.lam_steps, "ig_steps": args.ig_steps,
                "randomise": args.randomise, "baseline_quality": None, "seed": 0}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out) if args.out else Path(tmp)
        photos = root / "photos"
        make_images(photos, args.images, args.size)
        print(f"{args.images} JPEGs of {args.size}×{args.size}; models {args.models or 'default'}; windows "
              f"{args.windows}, LAM {args.lam_steps} steps, IG {args.ig_steps} nodes, randomise {args.randomise}, "
              f"reports {'no' if args.no_reports else 'yes'}; {platform.machine()}, {os.cpu_count()} CPU(s)")
        for n in args.workers:
            t0 = time.perf_counter()
            run = run_corpus([photos], root / f"corpus-{n}w", models=args.models, settings=settings, workers=n,
                             report=not args.no_reports, progress=False, answer=False, log=lambda *a: None)
            wall = time.perf_counter() - t0
            if run.interrupted:
                raise SystemExit(f"interrupted during the {n}-worker run; no figures")
            rows = store.read_rows(root / f"corpus-{n}w", run.params)
            per_image = rows.drop_duplicates("image_key")["seconds"].mean()
            peaks = sorted(run.worker_peak_mb.values())
            results[n] = {"wall_s": wall, "per_min": 60 * run.ok / wall, "ok": run.ok, "failed": run.failed,
                          "image_s": float(per_image), "peak_mb": peaks}
            print(f"{n} worker(s): {run.ok} images ({run.failed} failed) in {wall:.1f} s = "
                  f"{results[n]['per_min']:.2f} images/min; "
                  f"{per_image:.1f} s per image on its worker; peak RSS per worker "
                  + ", ".join(f"{m:.0f} MiB" for m in peaks))
    first = args.workers[0]
    for n in args.workers[1:]:
        print(f"ratio {n} vs {first} worker(s): {results[n]['per_min'] / results[first]['per_min']:.2f}× images/min")
    return results


if __name__ == "__main__":
    main()
