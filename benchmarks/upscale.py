"""Upscaling benchmark: time and peak memory of `explain.upscale` vs a reference-style evaluation.

The reference unfolds the whole latent grid (576 channels per LR pixel for the paper encoder) and runs the
full MLP on every 580-d query vector in chunks of 30,000 queries, as the official test script does.
Ours evaluates the first MLP layer as a 3×3 convolution once per LR pixel, gathers it per query, and tiles
the LR image with a receptive-field margin. Each method runs in its own process so peak RSS is its own.

    python benchmarks/upscale.py                # 256² LR, ×4, paper-size LIIF (random weights)
    python benchmarks/upscale.py --size 128 --model liif-edsr-jpeg --threads 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _run(method: str, model_name: str, size: int, scale: int, threads: int, tile: int, queue) -> None:
    import numpy as np
    import torch

    from explain.models import LIIF, load_model
    from explain.models.coords import output_coords
    from explain.models.reference import reference_query_features
    from explain.upscale import upscale

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = LIIF().eval() if model_name == "random-paper" else load_model(model_name)
    rng = np.random.default_rng(0)
    lr = rng.random((size, size, 3)).astype(np.float32)
    baseline = _rss_mib()
    t0 = time.perf_counter()
    if method == "reference":
        height = width = size * scale
        coords, cells = output_coords(height, width)
        x = torch.from_numpy(lr).permute(2, 0, 1)[None]
        with torch.no_grad():
            # Encode once, then chunks of 30,000 queries, each unfolding the whole grid (as the official code).
            latents = model.encode(x)
            out = torch.cat([reference_query_features(model, latents.features, latents.image,
                                                      coords[s: s + 30000][None], cells[s: s + 30000][None])[0]
                             for s in range(0, coords.shape[0], 30000)]).clamp(0, 1)
        out = out.view(height, width, 3).numpy()
    else:
        out = upscale(model, lr, scale=scale, tile=tile)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(f"/tmp/_bench_upscale_{method}.npy", out)
    queue.put({"method": method, "seconds": seconds, "peak_extra_mib": peak - baseline})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256, help="LR side in pixels")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--model", default="random-paper", help="'random-paper' or a shipped name / checkpoint")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tile", type=int, default=128)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    results = {}
    for method in ("reference", "ours"):
        queue = ctx.Queue()
        proc = ctx.Process(target=_run, args=(method, args.model, args.size, args.scale, args.threads, args.tile,
                                              queue))
        proc.start()
        results[method] = queue.get()
        proc.join()
    import numpy as np

    diff = np.abs(np.load("/tmp/_bench_upscale_reference.npy") - np.load("/tmp/_bench_upscale_ours.npy")).max()
    print(f"LR {args.size}×{args.size}, ×{args.scale} → {args.size * args.scale}², model {args.model}, "
          f"{args.threads} thread(s), tile {args.tile}")
    for method, r in results.items():
        print(f"  {method:>9}: {r['seconds']:7.1f} s   peak extra memory {r['peak_extra_mib']:7.0f} MiB")
    print(f"  speed-up {results['reference']['seconds'] / results['ours']['seconds']:.2f}×, "
          f"memory ratio {results['reference']['peak_extra_mib'] / max(results['ours']['peak_extra_mib'], 1):.1f}×, "
          f"max |difference| {diff:.2e}")


if __name__ == "__main__":
    main()
