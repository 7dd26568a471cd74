"""``liif-explain audit``: options and the run that writes the files."""

from __future__ import annotations

from ...models.names import JPEG_TWIN
from .._cli import images_from_args, print_report
from .audit import audit
from .files import write_audit
from .markdown import render_markdown
from .rarity import TRAIN_ROOT
from .results import DEFAULT_CONDITIONS, VARIANTS, AuditResult


def add_arguments(parser) -> None:
    """Options of ``liif-explain audit``."""
    parser.add_argument("--model", default=JPEG_TWIN, help="shipped name or checkpoint (default: %(default)s)")
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: astronaut coffee chelsea")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        help="fp16, int8, pruneNN (global magnitude), lpruneNN (layer-wise)")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--conditions", nargs="+", default=list(DEFAULT_CONDITIONS), help="clean and/or jpegQ")
    parser.add_argument("--crop", type=int, default=256, help="central HR crop side (0: whole image)")
    parser.add_argument("--bank", default=None, help="folder of training-like images for rarity "
                                                     f"(default: {TRAIN_ROOT} when present, else bundled images)")
    parser.add_argument("--bank-images", type=int, default=24)
    parser.add_argument("--k", type=int, default=5, help="neighbours for the rarity score")
    parser.add_argument("--top", type=int, default=8, help="patches shown per copy")
    parser.add_argument("--out", default="out/audit")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> AuditResult:
    """Run ``liif-explain audit``: writes OUT/audit.{json,md} and figures, prints the table."""
    images = images_from_args(args.images)
    result = audit(args.model, images=images, variants=args.variants, scale=args.scale, conditions=args.conditions,
                   crop=args.crop or None, bank=args.bank, bank_images=args.bank_images, k=args.k, top=args.top,
                   limit=args.limit, progress=not args.no_progress)
    print_report(render_markdown(result), write_audit(result, args.out))
    return result
