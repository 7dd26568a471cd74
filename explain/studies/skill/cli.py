"""``liif-explain skill``: options and the run that writes the files."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ...fileio import atomic_write_text
from ...models import load_model
from .._cli import images_from_args, print_report
from .files import write_skill
from .markdown import render_markdown
from .origin import origin_overlap
from .results import SkillResult
from .settings import EVAL_IMAGES, FRACTIONS, SCORING_IMAGES, EvalSettings, ScoringSettings
from .study import skill

EPILOG = """\
files written to OUT:
  ranking.npz                 every unit, best first (FAIG's JPEG-specific score), four arrays of one entry per
                              unit: param (the weight's name in model.named_parameters()), out, in (the unit's
                              indices: weight[out, in] is a 3x3 kernel slice of a convolution or one entry of a
                              Linear weight) and score (|IG on JPEG input| - |IG on clean input|, loss units).
                              Load it with numpy.load(path); the top 1 %% are the first round(0.01 * len) rows.
  skill.json, skill.md        settings, scoring time, the swap table and curves (gain over bicubic, dB)
  swap_curves.png             share of the twin's JPEG advantage removed vs %% of units swapped, per ranking
  top_units_per_layer.png     where the top 1 %% sit
  unit_maps.png, block_edge_enrichment.png   what the top units respond to
  origin.md                   with --origin: FAIG from the common ancestor to the twin and to the control

The scores and the whole result are cached per pair of weight sha256s in <cache>/skill/ (the cache folder is
$LIIF_EXPLAIN_CACHE, else $XDG_CACHE_HOME/liif-explain, else ~/.cache/liif-explain); --no-cache recomputes.
"""


def add_arguments(parser) -> None:
    """Options of ``liif-explain skill``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--from", dest="model_from", default="liif-edsr-clean", metavar="MODEL",
                        help="the control (name or checkpoint); default liif-edsr-clean")
    parser.add_argument("--to", dest="model_to", default="liif-edsr-jpeg", metavar="MODEL",
                        help="the twin (same architecture); default liif-edsr-jpeg")
    parser.add_argument("--scoring-images", nargs="+", default=list(SCORING_IMAGES), metavar="IMAGE",
                        help=f"scikit-image names or files for scoring (default: {' '.join(SCORING_IMAGES)})")
    parser.add_argument("--patch", type=int, default=40, help="LR side of the seeded crop per scoring image")
    parser.add_argument("--queries", type=int, default=1024, help="sampled HR pixels per scoring crop")
    parser.add_argument("--steps", type=int, default=16, help="path steps of the weight-space integrated gradients")
    parser.add_argument("--quality", type=int, default=30, help="JPEG quality of the degraded input")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="seed of the scoring crops and query pixels")
    parser.add_argument("--eval-images", nargs="+", default=list(EVAL_IMAGES), metavar="IMAGE",
                        help="evaluation images: names, files or ONE folder (e.g. ../shared/data/bench/BSD100); "
                             f"default: {' '.join(EVAL_IMAGES)}")
    parser.add_argument("--limit", type=int, default=None, help="keep the first N evaluation images")
    parser.add_argument("--crop", type=int, default=128, help="central HR crop side of each evaluation image")
    parser.add_argument("--inputs", nargs="+", choices=["jpeg", "clean"], default=["jpeg", "clean"],
                        help="inputs the swaps are evaluated on (jpeg is needed)")
    parser.add_argument("--fractions", type=float, nargs="+", default=list(FRACTIONS),
                        help="fractions of all units to swap (1 = the control)")
    parser.add_argument("--random-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--view-units", type=int, default=256, help="top spatial units in the enrichment")
    parser.add_argument("--origin", default=None, metavar="MODEL",
                        help="also score the paths from this common ancestor (e.g. liif-edsr) to the twin and to "
                             "the control, and write origin.md: which top units plain extra training changed")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--no-cache", action="store_true", help="recompute and do not write the cache")
    parser.add_argument("--out", default="out/skill")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> SkillResult:
    """Run ``liif-explain skill``: writes OUT/ranking.npz, skill.{json,md} and the figures."""
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be a positive integer, got {args.threads}")
        torch.set_num_threads(args.threads)
    scoring = ScoringSettings(images=tuple(args.scoring_images), scale=args.scale, patch=args.patch,
                              queries=args.queries, quality=args.quality, steps=args.steps, seed=args.seed)
    images = images_from_args(args.eval_images)
    evaluation = EvalSettings(images=images if isinstance(images, str) else tuple(images), crop=args.crop,
                              inputs=tuple(args.inputs),
                              fractions=tuple(args.fractions), random_seeds=tuple(args.random_seeds),
                              limit=args.limit, view_units=args.view_units)
    result = skill(args.model_from, args.model_to, scoring, evaluation, use_cache=not args.no_cache,
                   progress=not args.no_progress)
    paths = write_skill(result, args.out)
    text = render_markdown(result)
    if args.origin:
        overlap = origin_overlap(args.origin, load_model(args.model_from).eval(), load_model(args.model_to).eval(),
                                 result, scoring, progress=not args.no_progress)
        paths["origin"] = Path(args.out) / "origin.md"
        section = f"## The path from {overlap.origin}\n\n{overlap.markdown()}"
        atomic_write_text(paths["origin"], section)
        text += "\n" + section
    print_report(text, paths)
    return result
