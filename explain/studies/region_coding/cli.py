"""``liif-explain region-coding``: options and the run that writes the files."""

from __future__ import annotations

from ...models.names import DEFAULT_MODELS
from .._cli import images_from_args, parse_models, print_report
from .files import write_region_study
from .markdown import render_markdown
from .mcu import MCU
from .results import DEFAULT_AREA, DEFAULT_TARGET_BPP, RegionStudy
from .study import region_study


def add_arguments(parser) -> None:
    """Options of ``liif-explain region-coding``."""
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--models", nargs="*", default=list(DEFAULT_MODELS), metavar="MODEL")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--bpp", type=float, default=DEFAULT_TARGET_BPP, help="total rate (bits per LR pixel)")
    parser.add_argument("--box", nargs=4, type=int, default=None, metavar=("ROW0", "COL0", "ROW1", "COL1"),
                        help="region box in LR pixels (default: from attribution mass)")
    parser.add_argument("--area", type=float, default=DEFAULT_AREA, help="region share for attribution regions")
    parser.add_argument("--high-quality", type=int, default=None,
                        help="JPEG quality inside (default: uniform quality + --quality-step, at most 95)")
    parser.add_argument("--quality-step", type=int, default=30)
    parser.add_argument("--subsampling", default="4:2:0", choices=list(MCU))
    parser.add_argument("--crop", type=int, default=None)
    parser.add_argument("--out", default="out/region_coding")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> RegionStudy:
    """Run ``liif-explain region-coding``: writes OUT/region_coding.{json,md} and prints the table."""
    images = images_from_args(args.images)
    study = region_study(images, parse_models(args.models), args.scale, args.bpp,
                         args.box if args.box else "attribution", args.area, args.high_quality, args.subsampling,
                         args.crop, args.limit, quality_step=args.quality_step, progress=not args.no_progress)
    print_report(render_markdown(study), write_region_study(study, args.out))
    return study
