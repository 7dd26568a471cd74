"""Training-step benchmark: where the time of one LIIF training step goes, for a few settings.

For each variant it prints the seconds to make one batch (patch sampling, PIL bicubic, JPEG round trip) and the
seconds of one optimiser step on a ready batch (forward, L1, backward, Adam), each the median over the timed
steps after a warm-up. A step that makes its own batch costs their sum; with ``loader_workers`` > 0 batch making
overlaps the step, on cores the step does not use.

    python benchmarks/train_step.py                               # finetune preset; queries 144 / 576 / 2304
    python benchmarks/train_step.py --threads 1 --steps 10
    python benchmarks/train_step.py --preset gpu --device cuda --variants fp32 bf16 --steps 50

Images: the training folders under ../shared/data/train when they exist, else the images scikit-image ships
(the timings do not depend on the content).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

VARIANTS = {
    "q144": dict(queries=144),
    "q576": dict(queries=576),
    "q2304": dict(queries=2304),
    "fp32": dict(precision="fp32"),
    "bf16": dict(precision="bf16"),
    "batch16": dict(batch_size=16),
    "batch32": dict(batch_size=32),
}


def _images(limit: int):
    from explain.images import DEFAULT_IMAGES, load_image, to_uint8
    from explain.training.data import DEFAULT_TRAIN_ROOT, default_train_folders, list_training_images, load_uint8_rgb

    if DEFAULT_TRAIN_ROOT.is_dir():
        files = list_training_images(default_train_folders())
        return [load_uint8_rgb(p) for p in files[:limit]], f"{min(limit, len(files))} images of {DEFAULT_TRAIN_ROOT}"
    return [to_uint8(load_image(n)) for n in DEFAULT_IMAGES], "scikit-image's default images"


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(values: dict, images, steps: int, warmup: int) -> dict:
    import torch

    from explain.training.trainer import TrainConfig, Trainer

    config = TrainConfig(**{**values, "validate_every": 0, "checkpoint_every": 0, "init_from": ""})
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(config, tmp, images=images, progress=False)
        make, step = [], []
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            batch = trainer.batches[i]
            t1 = time.perf_counter()
            trainer.train_step(batch)
            _sync(trainer.device)
            t2 = time.perf_counter()
            if i >= warmup:
                make.append(t1 - t0)
                step.append(t2 - t1)
    del trainer
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return {"batch_s": statistics.median(make), "step_s": statistics.median(step)}


def main(argv=None) -> int:
    from tqdm.auto import tqdm

    from explain.training.cli import PRESETS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="finetune")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=["q144", "q576", "q2304"])
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (CPU)")
    parser.add_argument("--degradation", choices=["none", "jpeg"], default="jpeg")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per variant")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--images", type=int, default=64, help="training images to load (fewer load faster)")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.images < 1:
        parser.error("--steps and --images must be >= 1 and --warmup >= 0")

    images, source = _images(args.images)
    base = {k: v for k, v in PRESETS[args.preset].items() if k not in ("steps", "milestones", "init_from",
                                                                             "keep_snapshots")}  # timing: random init
    base.update(device=args.device, threads=args.threads, degradation=args.degradation, loader_workers=0)
    rows = []
    for name in tqdm(args.variants, desc="variants"):
        values = {**base, **VARIANTS[name]}
        rows.append((name, values, measure(values, images, args.steps, args.warmup)))

    print(f"\npreset {args.preset}, degradation {args.degradation}, device {args.device}, {args.threads} torch "
          f"threads, {source}; medians of {args.steps} steps after {args.warmup} warm-up")
    print(f"{'variant':<9} {'batch':>5} {'queries':>7} {'precision':>9} {'make batch s':>12} {'step s':>8} "
          f"{'steps/s':>8}")
    for name, values, r in rows:
        total = r["batch_s"] + r["step_s"]
        print(f"{name:<9} {values['batch_size']:>5} {values['queries']:>7} {values.get('precision', 'fp32'):>9} "
              f"{r['batch_s']:>12.4f} {r['step_s']:>8.4f} {1 / total:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
