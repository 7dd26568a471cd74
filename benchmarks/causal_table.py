"""The causal-clue table over many images: what erasing each clue costs each model, in dB against the original.

    python benchmarks/causal_table.py                                  # scikit-image photos (no data needed)
    python benchmarks/causal_table.py --images ../shared/data/bench/bsd100 --count 30 --out out/causal-bsd100.json

Per image: the original cropped to a multiple of 8·scale, PIL-bicubic downscaled ×scale, JPEG at ``--quality``
(4:2:0) and read back; the ``--blocks`` interior 8×8 blocks (not touching the border) where bicubic errs most
(largest Y MSE of the block's output against the original); on each,
:func:`explain.probes.causal.causal_clues` for every model and for the weight-randomised copy of the first. Prints,
per intervention and model, the mean change of the block's PSNR-Y (after − before; negative = detail lost) over all
blocks ± the 95 % half-width (1.96 standard errors), and the model's own gain over bicubic on those blocks; then the
first model's change minus each other model's, paired over the same blocks.
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

from explain.headline import jpeg_photo
from explain.images import crop_to_multiple, downscale, load_image, upscale_bicubic
from explain.metrics import rgb_to_y
from explain.models import load_model
from explain.models.names import CLEAN_CONTROL, JPEG_TWIN, OFFICIAL
from explain.probes.causal import causal_clues
from explain.probes.clues import randomised_copy

ROWS = ("own_ac", "neighbours_ac", "neighbours_low_ac", "neighbours_high_ac", "neighbours_coarse", "chroma_ac",
        "neighbours_natural")
SKIMAGE = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "cat")


def worst_bicubic_blocks(hr: np.ndarray, lr: np.ndarray, scale: int, n: int) -> list[tuple[int, int]]:
    """LR (row, col) of the ``n`` interior blocks whose bicubic output errs most (Y MSE against ``hr``)."""
    bic = upscale_bicubic(lr, size=hr.shape[:2])
    err = (rgb_to_y(bic) - rgb_to_y(hr)) ** 2
    side = 8 * scale
    nr, nc = err.shape[0] // side, err.shape[1] // side
    per = err[: nr * side, : nc * side].reshape(nr, side, nc, side).mean(axis=(1, 3))
    inner = per[1:-1, 1:-1]
    order = np.argsort(-inner, axis=None)[:n]
    return [(8 * (int(i) + 1), 8 * (int(j) + 1)) for i, j in (np.unravel_index(k, inner.shape) for k in order)]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", help="a folder of originals (PNG/JPEG); default: scikit-image's photos")
    p.add_argument("--count", type=int, default=30, help="how many images of the folder (sorted by name)")
    p.add_argument("--models", nargs="+", default=[JPEG_TWIN, CLEAN_CONTROL, OFFICIAL],
                   help="model names or checkpoint paths; the first also runs weight-randomised")
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--quality", type=int, default=30)
    p.add_argument("--blocks", type=int, default=3)
    p.add_argument("--draws", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write every per-block figure as JSON here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    sources = image_sources(args.images, args.count, SKIMAGE)
    models = {name: load_model(name) for name in args.models}
    first = args.models[0]
    models[f"{first} (random)"] = randomised_copy(models[first], 0)
    rows = []
    t0 = time.perf_counter()
    for src in tqdm(sources, desc="images"):
        hr = crop_to_multiple(load_image(src), 8 * args.scale)
        photo, _ = jpeg_photo(downscale(hr, args.scale), args.quality)
        lr = photo.image
        for block in worst_bicubic_blocks(hr, lr, args.scale, args.blocks):
            for name, model in models.items():
                c = causal_clues(model, lr, block, args.scale, grid_phase=(0, 0), original=hr, draws=args.draws,
                                 keep_outputs=False, name=name)
                rows.append({"image": Path(src).name, "block": block, "model": name, "gain_db": c.gain_db,
                             **{k: -c.effects[k].db_lost_model for k in ROWS}})
    seconds = time.perf_counter() - t0
    names = list(models)

    def cell(key, name):
        v = np.array([r[key] for r in rows if r["model"] == name], dtype=np.float64)
        return f"{v.mean():+.2f} ± {1.96 * v.std(ddof=1) / np.sqrt(len(v)):.2f}" if len(v) > 1 else f"{v.mean():+.2f}"

    n_blocks = len(rows) // len(names)
    print(f"{len(sources)} images × {args.blocks} blocks = {n_blocks} blocks, ×{args.scale}, JPEG q{args.quality}; "
          f"change of the block's PSNR-Y (dB, mean ± 95 % half-width); {seconds:.0f} s")
    print("| intervention | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in ROWS:
        print(f"| {key} | " + " | ".join(cell(key, n) for n in names) + " |")
    print("| the model's gain over bicubic | " + " | ".join(cell("gain_db", n) for n in names) + " |")
    # Paired over the same blocks: the first model's change minus each other model's (mean ± 95 % half-width).
    print(f"\npaired differences, {first} − other (dB; a negative number: {first} loses more)")
    print("| intervention | " + " | ".join(names[1:]) + " |")
    print("|---|" + "---|" * (len(names) - 1))
    mine = [r for r in rows if r["model"] == first]
    for key in (*ROWS, "gain_db"):
        cells = []
        for name in names[1:]:
            theirs = [r for r in rows if r["model"] == name]
            d = np.array([a[key] - b[key] for a, b in zip(mine, theirs)], dtype=np.float64)
            cells.append(f"{d.mean():+.2f} ± {1.96 * d.std(ddof=1) / np.sqrt(len(d)):.2f}" if len(d) > 1
                         else f"{d.mean():+.2f}")
        print(f"| {key} | " + " | ".join(cells) + " |")
    out = {"rows": rows, "seconds": seconds, "settings": vars(args)}
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
