"""``liif-explain codecs``: the codec study's options, their parsing, and the run that writes its files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ...models.names import DEFAULT_MODELS
from .._cli import images_from_args, parse_models, print_report
from .files import write_study
from .markdown import render_markdown
from .results import DEFAULT_SCALE, DEFAULT_TARGET_BPPS, HEADLINE_BPPS, CodecStudy
from .study import codec_study


def parse_grid(entries: Sequence[str]) -> dict[str, list[dict]]:
    """CLI grid entries ``CODEC:NAME=V1,V2,…`` (e.g. ``jpeg:quality=10,30,50``) → settings dict."""
    grid: dict[str, list[dict]] = {}
    for text in entries:
        match = re.fullmatch(r"\s*([a-z0-9]+)\s*:\s*([a-z_]+)\s*=\s*([^=]+)", str(text))
        if not match:
            raise ValueError(f"grid entries look like CODEC:NAME=V1,V2 (e.g. jpeg:quality=10,30), got {text!r}")
        codec, name, values = match.groups()
        parsed = []
        for v in values.split(","):
            v = v.strip()
            try:
                parsed.append(int(v))
            except ValueError:
                try:
                    parsed.append(float(v))
                except ValueError:
                    parsed.append(v)
        grid.setdefault(codec, []).extend({name: v} for v in parsed)
    return grid


def parse_fixed(entries: Sequence[str]) -> dict[str, dict]:
    """CLI entries ``CODEC:NAME=VALUE`` (e.g. ``jpeg:optimize=true``) → ``{codec: {name: value}}``; true/false
    become booleans, numbers numbers."""
    fixed: dict[str, dict] = {}
    for codec, entries_of_codec in parse_grid(entries).items():
        for entry in entries_of_codec:
            for name, value in entry.items():
                if isinstance(value, str) and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
                fixed.setdefault(codec, {})[name] = value
    return fixed


def add_arguments(parser) -> None:
    """Options of ``liif-explain codecs``."""
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, image files, or ONE folder (e.g. ../shared/data/bench/bsd100); "
                             "default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None, help="first N images (quick runs)")
    parser.add_argument("--codecs", nargs="+", default=None, help="default: every codec Pillow can encode")
    parser.add_argument("--bpps", nargs="+", type=float, default=list(DEFAULT_TARGET_BPPS),
                        help="target bits per LR pixel, matched per image (default: %(default)s)")
    parser.add_argument("--grid", nargs="+", default=None, metavar="CODEC:NAME=V1,V2",
                        help="settings grid instead of target rates, e.g. jpeg:quality=10,30,50 webp:quality=5,20")
    parser.add_argument("--fixed", nargs="*", default=None, metavar="CODEC:NAME=VALUE",
                        help="settings used by every encode of a codec (default: jpeg:optimize=true, JPEG with "
                             "image-optimised Huffman tables; give none for libjpeg's standard tables)")
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="SR factor (default: %(default)s)")
    parser.add_argument("--models", nargs="*", default=list(DEFAULT_MODELS), metavar="MODEL",
                        help="shipped names, checkpoint paths or LABEL=PATH (none → bicubic only)")
    parser.add_argument("--crop", type=int, default=None, help="central HR crop side (quick runs)")
    parser.add_argument("--attribution-bpps", nargs="*", type=float, default=list(HEADLINE_BPPS),
                        help="rates for the LAM statistics (none → skip; default: %(default)s)")
    parser.add_argument("--attribution-steps", type=int, default=8)
    parser.add_argument("--reference", default=None,
                        help="reference codec of the BD-rates (default: jpeg when studied, else the first codec)")
    parser.add_argument("--out", default="out/codecs", help="output folder (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--workers", type=int, default=None,
                        help="--images DIR: one Dask task per image on an embedded cluster of this many worker "
                             "processes (default: one per core); the rows go to OUT/rows (Parquet), resumable")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="--images DIR: run the tasks on this existing Dask scheduler instead")


def run(args) -> CodecStudy:
    """Run ``liif-explain codecs``: writes OUT/codecs.{csv,json,md}, curves, BD-rates and figures. ``--images DIR``
    runs one Dask task per image (:mod:`explain.corpus.codecs`) and returns its exit status."""
    if args.images and len(args.images) == 1 and Path(args.images[0]).is_dir():
        from ...corpus.codecs import run_codec_corpus

        return run_codec_corpus(args, grid=parse_grid(args.grid) if args.grid else None,
                                fixed=parse_fixed(args.fixed) if args.fixed is not None else None)
    images = images_from_args(args.images)
    study = codec_study(images=images, codecs=args.codecs, settings=parse_grid(args.grid) if args.grid else None,
                        target_bpps=args.bpps, scale=args.scale, models=parse_models(args.models), crop=args.crop,
                        limit=args.limit, attribution_bpps=args.attribution_bpps,
                        attribution_steps=args.attribution_steps, reference=args.reference,
                        fixed_settings=parse_fixed(args.fixed) if args.fixed is not None else None,
                        progress=not args.no_progress)
    print_report(render_markdown(study), write_study(study, args.out))
    return study
