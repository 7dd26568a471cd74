"""The skill study's files: ranking.npz, skill.json, skill.md and the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...evaluate import atomic_write_text
from ...figures.skill import plot_enrichment, plot_layer_top, plot_swap_curves, plot_unit_maps
from ...fileio import staged_folder
from .._files import save_figure, write_json
from .markdown import render_markdown
from .results import SkillResult

RANKING_KEYS = ("param", "out", "in", "score")


def write_ranking(result: SkillResult, path) -> None:
    """``ranking.npz``: one entry per unit, best first: ``param`` (the weight's name in
    ``model.named_parameters()``), ``out`` and ``in`` (the unit's indices in it) and ``score`` (FAIG's
    JPEG-specific score |IG_jpeg| − |IG_clean|, in loss units)."""
    order = result.rankings["faig"]
    p, o, i = result.units.locate(order)
    names = np.array(result.units.params)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, param=names[p], out=o.astype(np.int32), **{"in": i.astype(np.int32)},
                            score=result.faig[order].astype(np.float32))


def read_ranking(path) -> dict[str, np.ndarray]:
    """The four arrays of a ``ranking.npz``."""
    with np.load(Path(path), allow_pickle=False) as z:
        missing = [k for k in RANKING_KEYS if k not in z.files]
        if missing:
            raise ValueError(f"{path} is not a ranking file: it lacks {', '.join(missing)}")
        return {k: z[k] for k in RANKING_KEYS}


def _table(result: SkillResult) -> dict:
    out = {}
    for m in ("faig", "absdelta", "ig-twin", "random"):
        out[m] = {"removed_jpeg": result.removed(m, "jpeg"), "gain_jpeg_db": result.mean_gain(m, "jpeg"),
                  "gain_clean_db": result.mean_gain(m, "clean")}
    return out


def write_skill(result: SkillResult, out_dir) -> dict[str, Path]:
    """ranking.npz, skill.json (settings, timings, swap curves), skill.md and four figures."""
    names = {"ranking": "ranking.npz", "json": "skill.json", "markdown": "skill.md", "curves": "swap_curves.png",
             "layers": "top_units_per_layer.png", "maps": "unit_maps.png", "enrichment": "block_edge_enrichment.png"}
    with staged_folder(out_dir) as stage:
        write_ranking(result, stage / names["ranking"])
        write_json({"meta": result.meta, "fractions": result.fractions, "eval_images": result.eval_names,
                    "twin_gain_db": result.twin_gain, "control_gain_db": result.control_gain,
                    "curves": _table(result), "gains_db": {m: result.gains[k] for k, m in enumerate(result.methods)},
                    "inputs": ["jpeg", "clean"]}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(result))
        save_figure(plot_swap_curves(result), stage / names["curves"])
        save_figure(plot_layer_top(result), stage / names["layers"])
        save_figure(plot_unit_maps(result), stage / names["maps"])
        save_figure(plot_enrichment(result), stage / names["enrichment"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}
