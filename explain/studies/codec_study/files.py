"""The codec study's files: CSV of every row, curves, BD-rates and attribution rows, JSON, Markdown, figures."""

from __future__ import annotations

from pathlib import Path

from ...evaluate import atomic_write_text
from ...figures.studies import plot_blocking_vs_rate, plot_rd_curves
from ...fileio import staged_folder
from .._files import save_figure, write_json, write_rows_csv
from .markdown import render_markdown
from .results import CodecStudy
from .summary import attribution_summary, matched_summary


def write_study(study: CodecStudy, out_dir) -> dict[str, Path]:
    """Write codecs.csv (all rows), codecs_curves.csv, codecs_bd.csv, codecs_attribution.csv, codecs.json,
    codecs.md and the figures rd.png and blocking.png into ``out_dir``; returns the paths by kind."""
    names = {"rows": "codecs.csv", "curves": "codecs_curves.csv", "bd": "codecs_bd.csv",
             "attribution": "codecs_attribution.csv", "json": "codecs.json", "markdown": "codecs.md",
             "rd": "rd.png", "blocking": "blocking.png"}
    with staged_folder(out_dir) as stage:
        write_rows_csv(study.rows, stage / names["rows"])
        write_rows_csv(study.curves, stage / names["curves"])
        write_rows_csv(study.bd, stage / names["bd"])
        write_rows_csv(study.attribution, stage / names["attribution"])
        write_json({"params": study.params, "matched": matched_summary(study), "bd": study.bd,
                    "attribution": attribution_summary(study), "curves": study.curves}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(study))
        save_figure(plot_rd_curves(study), stage / names["rd"])
        save_figure(plot_blocking_vs_rate(study), stage / names["blocking"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}
