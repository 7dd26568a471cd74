"""``liif-explain explain DIR_OR_GLOB … --out OUT``: the corpus options of the explain command and their run.

:func:`add_arguments` adds the options only a corpus uses (``--workers``, ``--scheduler``, ``--no-reports``);
:func:`run` is called by :mod:`explain.explain_cli` when several photos, a folder or a glob is given.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUT = "out/corpus"


def add_arguments(parser) -> None:
    """The corpus options of ``liif-explain explain``."""
    parser.add_argument("--workers", type=int, default=None,
                        help="several photos / a folder / a glob: worker processes of the embedded Dask cluster "
                             "(default: one per core; one torch thread each)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="several photos: run on this existing Dask scheduler (`dask scheduler`, "
                             "`dask worker ADDRESS --nthreads 1`) instead of an embedded cluster")
    parser.add_argument("--no-reports", action="store_true",
                        help="several photos: write only the rows and the corpus answer, no report folder per photo")


def run(args) -> int:
    """Explain every photo of ``args.photo`` (files, folders, globs) into ``args.out`` (default out/corpus).
    Exit status: 0 every image explained, 1 some failed (counted), 130 interrupted; bad input raises ValueError."""
    from .run import INTERRUPTED, run_corpus

    out = Path(args.out or DEFAULT_OUT)
    if args.window:
        raise ValueError("--window picks blocks of one photo; with several photos the blockiest are explained "
                         "(--windows N)")
    if getattr(args, "original", None):
        raise ValueError("--original is the original of one photo; a corpus has none (the causal clues are then "
                         "relative changes)")
    settings = {"scale": args.scale, "windows": args.windows, "lam_steps": args.lam_steps,
                "ig_steps": args.ig_steps, "randomise": args.randomise, "baseline_quality": args.baseline_quality,
                "seed": 0, "causal": not getattr(args, "no_causal", False), "skill": False}
    try:
        result = run_corpus(args.photo, out, models=args.models, settings=settings, workers=args.workers,
                            scheduler=args.scheduler, report=not args.no_reports, progress=not args.quiet)
    except KeyboardInterrupt:  # outside the cluster part (which handles its own): before it or while answering
        print(f"\ninterrupted; every finished image is kept in {out / 'rows'}; rerun the same command to go on")
        return INTERRUPTED
    if result.interrupted:
        return result.status
    done = result.images - len(result.failures)
    print(f"{done} of {result.images} image(s) explained ({result.skipped} done before, {result.ok} now), "
          f"{len(result.failures)} failed; rows: {(out / 'rows').resolve()}")
    for image, message in result.failures:
        print(f"  failed: {image}: {message}")
    if "index.html" in result.files:
        print(f"corpus answer: {result.files['index.html'].resolve()} ({result.seconds:.0f} s)")
    return result.status
