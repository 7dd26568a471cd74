"""Region coding's files: JSON, Markdown and one figure per image that kept its decodes."""

from __future__ import annotations

from pathlib import Path

from ...evaluate import atomic_write_text
from ...figures.studies import plot_region_coding
from ...fileio import staged_folder
from .._files import save_figure, write_json
from .markdown import render_markdown
from .results import RegionStudy


def write_region_study(study: RegionStudy, out_dir) -> dict[str, Path]:
    """region_coding.json, region_coding.md and, per image that kept its decodes, region_<image>.png."""
    names = {"json": "region_coding.json", "markdown": "region_coding.md"}
    with staged_folder(out_dir) as stage:
        for r in study.results:
            if r.decoded_uniform is not None and r.decoded_region is not None:
                names[f"figure_{r.image}"] = f"region_{r.image}.png"
                save_figure(plot_region_coding(r), stage / names[f"figure_{r.image}"])
        write_json({"params": study.params, "mean_gains": study.mean_gains(),
                    "images": [{k: v for k, v in vars(r).items() if k not in ("decoded_uniform", "decoded_region")}
                               for r in study.results]}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(study))
    return {kind: Path(out_dir) / name for kind, name in names.items()}
