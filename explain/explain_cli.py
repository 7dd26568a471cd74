"""`liif-explain explain PHOTO`: explain a JPEG (or any image) as it is, with the answer in words at the top."""

from __future__ import annotations

import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("photo", nargs="+",
                        help="the image file to explain, as it is (JPEG, PNG, …); no ground truth needed. Several "
                             "files, a folder or a glob: a corpus, one Dask task per image (see --workers)")
    parser.add_argument("--out", help="report folder (default: out/explain-<file name>); holds index.html, "
                                      "report.json and PNGs")
    parser.add_argument("--models", nargs="+", metavar="MODEL",
                        help="model names or checkpoint paths (default: liif-edsr-jpeg and liif-edsr); the answer "
                             "speaks about the first one whose name contains 'jpeg'")
    parser.add_argument("--windows", type=int, default=3, help="how many blockiest windows to explain (default 3)")
    parser.add_argument("--window", type=int, nargs=2, action="append", metavar=("ROW", "COL"),
                        help="explain the 8×8 block holding this pixel of the file instead (repeatable)")
    parser.add_argument("--scale", type=float, default=4.0, help="upscaling factor to explain (default 4)")
    parser.add_argument("--lam-steps", type=int, default=16, help="LAM blur-path steps (default 16)")
    parser.add_argument("--ig-steps", type=int, default=8, help="integrated-gradients nodes (default 8)")
    parser.add_argument("--randomise", choices=("first", "all", "none"), default="first",
                        help="weight-randomisation test on the first window of the model the answer speaks about "
                             "(default), all windows and models, or none")
    parser.add_argument("--baseline-quality", type=int,
                        help="JPEG quality of the coarser baseline (default: 5, lower for files below quality 15)")
    parser.add_argument("--original", metavar="HR",
                        help="the uncompressed original at scale × the photo's size (e.g. a PNG): the causal clues "
                             "are then measured in dB of PSNR-Y against it (without it: relative change)")
    parser.add_argument("--no-causal", action="store_true",
                        help="skip the causal clues (taking each clue away and measuring what the block loses)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    from .corpus import cli as corpus_cli

    corpus_cli.add_arguments(parser)


def run(args) -> int:
    from .corpus.sources import is_corpus

    if is_corpus(args.photo):
        from .corpus import cli as corpus_cli

        return corpus_cli.run(args)
    args.photo = args.photo[0]
    from .report import check_out_folder, explain_photo

    t0 = time.perf_counter()
    out = args.out or str(Path("out") / f"explain-{Path(args.photo).stem or 'photo'}")
    check_out_folder(out)  # before anything is read or computed
    report = explain_photo(args.photo, out, models=args.models, windows=args.windows,
                           blocks=[tuple(b) for b in args.window] if args.window else None, scale=args.scale,
                           lam_steps=args.lam_steps, ig_steps=args.ig_steps, randomise=args.randomise,
                           baseline_quality=args.baseline_quality, progress=not args.quiet,
                           causal=not args.no_causal, original=args.original)
    for paragraph in report.answer:
        print(paragraph)
        print()
    print(f"report: {(Path(out) / 'index.html').resolve()} ({time.perf_counter() - t0:.0f} s)")
    return 0
