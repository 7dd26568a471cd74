"""Where the non-linear part of each model's output sits on JPEG inputs: block edges against block interiors.

    python benchmarks/hybrid_bsd100.py                                    # scikit-image photos (no data needed)
    nice -n 5 python benchmarks/hybrid_bsd100.py --images ../shared/data/bench/bsd100 --count 30 \\
        --out out/hybrid-bsd100.json

Per image: the original cropped to a multiple of 8·scale, PIL-bicubic downscaled ×scale, JPEG at ``--quality``
(4:2:0, grid phase (0, 0)) and read back; the window is the LR image less its outer ring of blocks (so no block
of the window touches the image border, and the linear part's kernel reads real pixels around it). Per model,
:func:`explain.probes.hybrid.hybrid_response` splits the unclamped output into HyRA's linear part (zero-insertion
upsampling ∗ the model's measured impulse response) and the non-linear rest. Prints per model the mean non-linear
energy per output pixel on block edges (each block's outer LR ring) over that inside blocks: pooled over all blocks
of all images with a 95 % percentile bootstrap interval over blocks, and the mean of the per-image ratios with a
bootstrap interval over images; and the share of the output's energy (around grey) the non-linear part holds.
Bicubic is linear: its row checks the split (its non-linear part is the kernel's truncation and rounding only).
"""

from __future__ import annotations

import sys
from pathlib import Path as _Path

sys.path.insert(0, str(_Path(__file__).resolve().parent))

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from bench_sources import image_sources, write_json  # noqa: E402
from tqdm.auto import tqdm

from explain.codecs import compress
from explain.images import crop_to_multiple, downscale, load_image
from explain.models import load_model
from explain.models.names import CLEAN_CONTROL, JPEG_TWIN, OFFICIAL
from explain.probes.hybrid import edge_interior_ratio, hybrid_response
from explain.probes.impulse import BICUBIC, impulse_response

SKIMAGE = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "cat")


def image_interval(values, n_boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high): the mean of per-image values and its 95 % percentile bootstrap interval over images."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float(v.mean()) if v.size else float("nan"), float("nan"), float("nan")
    means = v[np.random.default_rng(seed).integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(v.mean()), float(lo), float(hi)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", help="a folder of originals (PNG/JPEG); default: scikit-image's photos")
    p.add_argument("--count", type=int, default=30, help="how many images of the folder (sorted by name)")
    p.add_argument("--models", nargs="+", default=[JPEG_TWIN, CLEAN_CONTROL, OFFICIAL, BICUBIC],
                   help="model names or checkpoint paths, and 'bicubic'")
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--quality", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write the per-block sums and per-image figures as JSON here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    sources = image_sources(args.images, args.count, SKIMAGE)
    models = {name: (name if name == BICUBIC else load_model(name)) for name in args.models}
    impulses = {name: impulse_response(m, scale=args.scale, name=name) for name, m in models.items()}
    blocks = {name: [] for name in models}  # per model: (edge energy, edge px, interior energy, interior px) rows
    per_image = {name: [] for name in models}
    t0 = time.perf_counter()
    for src in tqdm(sources, desc="images"):
        hr = crop_to_multiple(load_image(src), 8 * args.scale)
        lr, _ = compress(downscale(hr, args.scale), "jpeg", quality=args.quality)
        h, w = lr.shape[:2]
        window = (8, 8, h - 16, w - 16)
        for name, model in models.items():
            res = hybrid_response(model, lr, scale=args.scale, window=window, impulse=impulses[name], name=name)
            blocks[name] += np.stack([res.edge_energy, res.edge_pixels, res.interior_energy,
                                      res.interior_pixels], axis=1).tolist()
            per_image[name].append({"image": Path(src).name, "ratio": res.ratio, "interval": res.interval,
                                    "nonlinear_share": res.nonlinear_share, "blocks": int(res.edge_energy.size)})
    seconds = time.perf_counter() - t0
    summary = {}
    for name in models:
        b = np.asarray(blocks[name])
        ratio, lo, hi = edge_interior_ratio(*b.T)
        mean, ilo, ihi = image_interval([r["ratio"] for r in per_image[name]])
        share = float(np.mean([r["nonlinear_share"] for r in per_image[name]]))
        summary[name] = {"ratio": ratio, "interval": (lo, hi), "blocks": len(b), "image_mean": mean,
                         "image_interval": (ilo, ihi), "nonlinear_share": share}
    print(f"{len(sources)} images, ×{args.scale}, JPEG q{args.quality} (4:2:0); non-linear energy per output pixel on "
          f"block edges / inside blocks; {seconds:.0f} s on {args.threads} thread(s)")
    print("| model | edge / interior, pooled blocks [95 % CI over blocks] | blocks | mean of per-image ratios "
          "[95 % CI over images] | non-linear share of the output energy |")
    print("|---|---|---|---|---|")
    for name, s in summary.items():
        print(f"| {name} | {s['ratio']:.3f} [{s['interval'][0]:.3f}, {s['interval'][1]:.3f}] | {s['blocks']} | "
              f"{s['image_mean']:.3f} [{s['image_interval'][0]:.3f}, {s['image_interval'][1]:.3f}] | "
              f"{100 * s['nonlinear_share']:.2f} % |")
    out = {"summary": summary, "per_image": per_image, "blocks": blocks, "seconds": seconds, "settings": vars(args)}
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
