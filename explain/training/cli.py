"""`liif-explain train`: command-line front end of :mod:`explain.training.trainer`."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from ..models.names import OFFICIAL
from .trainer import TrainConfig, train

PRESETS = {
    # The paper's configuration (EDSR-baseline, 16 blocks, no skip; batch 16, 2304 queries, lr 1e-4).
    "paper": dict(model=dict(n_resblocks=16, channels=64, skip="none"), batch_size=16, queries=2304, lr=1e-4,
                  milestones=[200_000, 400_000, 600_000, 800_000], steps=1_000_000),
    # The 8-block, bicubic-skip models trained from scratch on the 2-core CPU before the twins (liif-jpeg,
    # liif-clean; they left assets/, git history keeps them).
    "cpu": dict(model=dict(n_resblocks=8, channels=64, skip="bicubic"), batch_size=8, queries=576, lr=4e-4,
                warmup_steps=200, milestones=[40_000, 60_000], steps=80_000),
    # How the shipped twins were made on the 2-core CPU: the official EDSR-baseline-LIIF fine-tuned for 2,400 steps
    # (--degradation jpeg → liif-edsr-jpeg with 30 % clean patches; --degradation none → the control liif-edsr-clean).
    "finetune": dict(model=dict(n_resblocks=16, channels=64, skip="none"), init_from=OFFICIAL, batch_size=8,
                     queries=576, lr=1e-4, warmup_steps=200, milestones=[1900, 2250], steps=2400, jpeg_qmin=10,
                     jpeg_qmax=80, jpeg_clean_fraction=0.3, validate_every=500, keep_snapshots=True),
    # The same fine-tune at the paper's batch and query counts, for one CUDA GPU; batches are made by 8 background
    # processes. Not yet run on a GPU by this project: measure with benchmarks/train_step.py --preset gpu first.
    "gpu": dict(model=dict(n_resblocks=16, channels=64, skip="none"), init_from=OFFICIAL, batch_size=16,
                queries=2304, lr=1e-4, warmup_steps=200, milestones=[14_000, 18_000], steps=20_000, jpeg_qmin=10,
                jpeg_qmax=80, jpeg_clean_fraction=0.3, device="cuda", loader_workers=8, checkpoint_every=1000,
                validate_every=2000, keep_snapshots=True),
    "tiny": dict(model=dict(n_resblocks=1, channels=8, hidden=[16, 16], skip="bicubic"), batch_size=2, queries=32,
                 steps=10, checkpoint_every=5, validate_every=5),
}


def add_arguments(parser) -> None:
    parser.add_argument("--out", required=True, help="run folder (state.pt, model.pt, log.jsonl); resumes if present")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--config", help="JSON file with TrainConfig fields (overrides the preset)")
    parser.add_argument("--degradation", choices=["none", "jpeg"])
    parser.add_argument("--steps", type=int)
    parser.add_argument("--folders", nargs="+", help="training image folders (default ../shared/data/train/*)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--device", help="auto | cpu | cuda | cuda:N (default: the preset's, else auto)")
    parser.add_argument("--loader-workers", type=int, help="background processes making batches (default 0)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--init-from", help="warm start from a model checkpoint or shipped name")
    parser.add_argument("--time-limit", type=float, metavar="MINUTES",
                        help="stop (checkpointed) after this many minutes of training; rerun to resume")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=JSON",
                        help="any TrainConfig field, e.g. --set jpeg_qmin=20 batch_size=4")


def config_from_args(args) -> TrainConfig:
    values = dict(PRESETS[args.preset])
    if args.config:
        values.update(json.loads(Path(args.config).read_text()))
    known = {f.name for f in fields(TrainConfig)}
    for item in args.set:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            raise ValueError(f"--set expects FIELD=VALUE with FIELD one of {sorted(known)}, got {item!r}")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    for name in ("degradation", "steps", "folders", "threads", "seed", "device", "loader_workers"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.init_from:
        values["init_from"] = args.init_from
    return TrainConfig(**values)


def run(args) -> int:
    config = config_from_args(args)
    if args.time_limit is not None and not args.time_limit > 0:
        raise ValueError(f"--time-limit must be a positive number of minutes, got {args.time_limit}")
    limit = None if args.time_limit is None else args.time_limit * 60
    train(config, args.out, time_limit_s=limit)
    print(f"model written to {Path(args.out) / 'model.pt'}")
    return 0
