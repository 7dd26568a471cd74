"""The latent-information files: JSON, Markdown and the probe figure."""

from __future__ import annotations

from pathlib import Path

from ...evaluate import atomic_write_text
from ...figures.studies import plot_probe_accuracies
from ...fileio import staged_folder
from .._files import save_figure, write_json
from .markdown import render_markdown
from .results import LatentInformation


def write_latent_information(result: LatentInformation, out_dir) -> dict[str, Path]:
    """latent_information.json (params, probe and InfoNCE scores), latent_information.md and probes.png."""
    names = {"json": "latent_information.json", "markdown": "latent_information.md", "figure": "probes.png"}
    with staged_folder(out_dir) as stage:
        write_json({"params": result.params, "probes": result.probes, "infonce": result.infonce},
                   stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(result))
        save_figure(plot_probe_accuracies(result), stage / names["figure"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}
