"""``liif-explain latent-info``: options and the run that writes the files."""

from __future__ import annotations

from ...models.names import KNOWN
from .._cli import images_from_args, parse_models, print_report
from .files import write_latent_information
from .markdown import render_markdown
from .results import LatentInformation
from .study import latent_information


def add_arguments(parser) -> None:
    """Options of ``liif-explain latent-info``."""
    parser.add_argument("--models", nargs="+", default=list(KNOWN), metavar="MODEL")
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: all bundled images")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--crop", type=int, default=256, help="central HR crop side (0: whole image)")
    parser.add_argument("--per-image", type=int, default=1024)
    parser.add_argument("--codec-bpp", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=300, help="InfoNCE critic training steps")
    parser.add_argument("--batch", type=int, default=128, help="InfoNCE batch N (bound ceiling log N)")
    parser.add_argument("--out", default="out/latent_information")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> LatentInformation:
    """Run ``liif-explain latent-info``: writes OUT/latent_information.{json,md} and probes.png."""
    images = images_from_args(args.images)
    result = latent_information(parse_models(args.models), images=images, scale=args.scale, crop=args.crop or None,
                                per_image=args.per_image, codec_bpp=args.codec_bpp, steps=args.steps,
                                batch=args.batch, limit=args.limit, progress=not args.no_progress)
    print_report(render_markdown(result), write_latent_information(result, args.out))
    return result
