"""Benchmark: `liif-explain explain` with its original, stage by stage, in units of the official LIIF upscale.

    python benchmarks/explain_report.py                        # 403×301, 64×64 and 49×500 astronaut JPEGs, q = 20
    python benchmarks/explain_report.py --sizes 403x301 --threads 2 --no-causal

For each size W×H: scikit-image's astronaut resized with PIL bicubic to (4W, 4H) is the original; resized again to
W×H and saved as a JPEG at ``--quality`` (4:2:0) it is the photo. :func:`explain.report.explain_photo` then explains
it with the default models, 3 windows, the causal clues and the original, and writes the report into a temporary
folder. Printed: the time of every stage (:data:`explain.report.stages.STAGE_NAMES`, summed over the jobs that run
side by side, so they can add up to more than the wall-clock total), the wall-clock total, and that total in
**units**: one ×4 upscale of a 192×128 photo by the official LIIF algorithm (``benchmarks/liif_unit.py``, written
in this repository from the paper, no foreign code), timed in the same process before and after the runs (the mean
of the two; a busy machine slows both). The unit is also timed on one torch thread, for reference.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liif_unit import time_unit  # noqa: E402

from explain.images import load_image, to_uint8  # noqa: E402
from explain.models import load_model  # noqa: E402
from explain.report import explain_photo  # noqa: E402
from explain.report.stages import STAGE_NAMES  # noqa: E402


def make_photo(folder: Path, size: tuple[int, int], quality: int) -> tuple[Path, np.ndarray]:
    """(the JPEG's path, the original (4H, 4W, 3) in [0, 1]) for a W×H photo of astronaut."""
    w, h = size
    hr = Image.fromarray(to_uint8(load_image("astronaut"))).resize((4 * w, 4 * h), Image.BICUBIC)
    path = folder / f"astronaut_{w}x{h}.jpg"
    hr.resize((w, h), Image.BICUBIC).save(path, "JPEG", quality=quality, subsampling=2)
    return path, np.asarray(hr, dtype=np.float32) / 255.0


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is W×H, got {text!r}") from None
    if min(w, h) < 8:
        raise argparse.ArgumentTypeError(f"both sides must be at least 8 pixels, got {text!r}")
    return w, h


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=parse_size, default=[(403, 301), (64, 64), (49, 500)])
    p.add_argument("--quality", type=int, default=20)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--no-causal", action="store_true", help="leave out the causal clues")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    official = load_model("liif-edsr")
    unit_before = time_unit(official)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            photo, hr = make_photo(Path(tmp), size, args.quality)
            t = time.perf_counter()
            report = explain_photo(photo, Path(tmp) / f"report_{size[0]}x{size[1]}", windows=args.windows,
                                   original=None if args.no_causal else hr, causal=not args.no_causal,
                                   progress=False)
            runs.append((size, time.perf_counter() - t, report))
    unit_after = time_unit(official)
    torch.set_num_threads(1)
    unit_one = time_unit(official)
    torch.set_num_threads(threads)
    unit = 0.5 * (unit_before + unit_after)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {threads} torch "
          f"threads, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print(f"unit: official LIIF ×4 upscale of a 192×128 photo = {unit:.1f} s ({unit_before:.1f} s before the runs, "
          f"{unit_after:.1f} s after; {unit_one:.1f} s on 1 torch thread)")
    head = f"{'stage (s, summed over jobs)':<28}" + "".join(f"{f'{w}×{h}':>10}" for (w, h), _, _ in runs)
    print(head)
    for stage in STAGE_NAMES:
        print(f"{stage:<28}" + "".join(f"{r.timings['stages'][stage]:>10.1f}" for _, _, r in runs))
    print(f"{'wall-clock total':<28}" + "".join(f"{t:>10.1f}" for _, t, _ in runs))
    print(f"{'in units':<28}" + "".join(f"{t / unit:>10.2f}" for _, t, _ in runs))
    print(f"{'windows explained':<28}" + "".join(f"{len(r.windows):>10d}" for _, _, r in runs))
    workers = runs[0][2].params.get("workers") if runs else None
    what = "no causal clues" if args.no_causal else "causal clues and the original"
    print(f"explain: default models, {args.windows} windows, {what}, report written; {workers} jobs side by side on "
          "1 torch thread each. Target: at most 1.25 units.")
    return {"unit": unit, "unit_one_thread": unit_one, "load": load,
            "runs": {f"{w}x{h}": {"seconds": t, "units": t / unit, "stages": r.timings["stages"]}
                     for (w, h), t, r in runs}}


if __name__ == "__main__":
    main()
