"""The `liif-explain` command: train, evaluate, tour, upscale and friends."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand → (module with add_arguments/run, one-line help)
COMMANDS = {
    "tour": ("explain.tour", "the main job: compress a default image, upscale it, write an HTML report"),
    "explain": ("explain.explain_cli", "explain your own JPEG as it is: the answer in words, with every clue"),
    "upscale": ("explain.upscale_cli", "upscale an image file with LIIF at any scale"),
    "weights": ("explain.weights_cli", "official LIIF weights in the user cache: fetch, list, verify, import FILE"),
    "train": ("explain.training.cli", "train a LIIF checkpoint (resumable; runs under torchrun)"),
    "evaluate": ("explain.evaluate", "benchmark table: Set5/Set14/BSD100 × scales × JPEG qualities"),
    "card": ("explain.cards", "write a model card (assets/<name>.json) and render it into the README"),
    "codecs": ("explain.studies.codec_study", "codec study: rate–distortion, blocking and attribution per codec"),
    "audit": ("explain.studies.compressed_models", "compressed-model audit: fp16 / int8 / pruned copies vs the model"),
    "region-coding": ("explain.studies.region_coding", "region-priority JPEG coding vs uniform coding at equal bpp"),
    "latent-info": ("explain.studies.latent_information", "linear probes and InfoNCE bound on the latent codes"),
    "skill": ("explain.studies.skill", "where the JPEG skill lives: FAIG filter attribution control → twin, "
                                       "validated by swapping units; writes ranking.npz"),
    "notebook": ("explain.notebook_cli", "run a notebook headless on your image and write it as HTML"),
    "app": ("explain.app.server", "serve the page (Voilà): upload a JPEG, watch the progress, read the answer"),
}

# What a command reports as one line and exit status 2: the toolkit's own input validation (ValueError, see
# explain.checks) and a path the system refused (OSError). A TypeError is not among them: every command-line value
# reaches the toolkit as argparse converted it, so a wrong type there is a bug, and a bug shows its traceback.
INPUT_ERRORS = (ValueError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liif-explain", description=__doc__)
    sub = parser.add_subparsers(dest="_command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        try:
            importlib.import_module(module).add_arguments(p)
        except ImportError as exc:  # a subcommand whose optional pieces are missing
            p.set_defaults(_unavailable=str(exc))
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_unavailable", None):
        parser.error(f"'{args._command}' is unavailable: {args._unavailable}")
    try:
        status = importlib.import_module(args._module).run(args)
        return status if isinstance(status, int) else 0
    except INPUT_ERRORS as exc:
        print(f"liif-explain {args._command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
