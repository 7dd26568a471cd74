"""The compressed-model audit's files: JSON (summary and per-patch arrays), Markdown and figures."""

from __future__ import annotations

from pathlib import Path

from ...evaluate import atomic_write_text
from ...figures.studies import plot_audit_scatter, plot_top_disagreements
from ...fileio import staged_folder
from .._files import save_figure, write_json
from .markdown import render_markdown
from .results import AuditResult


def write_audit(result: AuditResult, out_dir) -> dict[str, Path]:
    """audit.json (summary + per-patch arrays), audit.md, and figures top_<variant>.png and correlations.png."""
    names = {"json": "audit.json", "markdown": "audit.md", "scatter": "correlations.png"}
    with staged_folder(out_dir) as stage:
        write_json({"params": result.params, "copies": result.copies, "agreement": result.agreement,
                    "correlations": result.correlations, "images": result.images, "conditions": result.conditions,
                    "patches": {"image": result.patch_image, "condition": result.patch_condition,
                                "box": result.patch_box, "blocking": result.blocking, "jpeg_error": result.jpeg_error,
                                "rarity": result.rarity, "full_error": result.full_error,
                                "disagreement": dict(zip(result.variants, result.disagreement))},
                    "top": result.top}, stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(result))
        save_figure(plot_audit_scatter(result), stage / names["scatter"])
        for v in result.variants:
            names[f"top_{v}"] = f"top_{v}.png"
            save_figure(plot_top_disagreements(result, v), stage / names[f"top_{v}"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}
