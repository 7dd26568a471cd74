"""The answers of bicubic and the trio to the simplest inputs: one raised pixel, and each 8×8 DCT basis function.

    nice -n 5 python benchmarks/responses.py            # ×4, all 64 basis functions (a few minutes on 1 thread)

Prints (1) per model the impulse response's peak gain, deepest negative lobe and share of energy above the LR
Nyquist frequency, for a bright pixel on a flat field (17×17 LR, background 0.5, amplitude 0.25), and the
response energy at grid offsets 0 and 3 after a quality-50 JPEG round trip; (2) the share of each DCT basis
function's response energy kept inside its block (one quantisation step of the IJG quality-30 luma table, centre
block of a 3×3-block flat field), averaged by order u + v.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from explain.models import load_model
from explain.models.names import CLEAN_CONTROL, JPEG_TWIN, OFFICIAL
from explain.probes.impulse import BICUBIC, dct_energy_table, impulse_response


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=[OFFICIAL, CLEAN_CONTROL, JPEG_TWIN])
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    models = {BICUBIC: BICUBIC, **{n: load_model(n) for n in args.models}}
    t0 = time.perf_counter()
    print(f"×{args.scale}; bright pixel, 17×17 field, background 0.5, amplitude 0.25 (unclamped)")
    print("| model | peak gain | deepest lobe / peak | energy above LR Nyquist | energy at offset 0 / 3, JPEG q50 |")
    print("|---|---|---|---|---|")
    for name, m in models.items():
        r = impulse_response(m, scale=args.scale, name=name)
        e = [float((impulse_response(m, scale=args.scale, offset=o, quality=50).gain.astype(np.float64) ** 2).sum())
             for o in (0, 3)]
        print(f"| {name} | {r.peak:.2f} | {100 * r.negative_lobe:.1f} % | {100 * r.beyond_nyquist:.1f} % | "
              f"{e[0]:.2f} / {e[1]:.2f} |")
    table = dct_energy_table(models, scale=args.scale, progress=True)
    print("\n| u + v | " + " | ".join(table.names) + " |")
    print("|---|" + "---|" * len(table.names))
    for j, order in enumerate(table.orders):
        print(f"| {int(order)} | " + " | ".join(f"{100 * table.inside_share[i, j]:.1f} %"
                                                for i in range(len(table.names))) + " |")
    print("| all 64 | " + " | ".join(f"{100 * table.per_pair[i].mean():.1f} %" for i in range(len(table.names)))
          + " |")
    print(f"\n{time.perf_counter() - t0:.0f} s on {args.threads} thread(s)")


if __name__ == "__main__":
    main()
