"""The latent-information result as Markdown tables."""

from __future__ import annotations

import math

from .._markdown import fmt
from .results import INPUT_REFERENCE, LatentInformation, task_order


def render_markdown(result: LatentInformation) -> str:
    """Probe accuracies per task and model (with chance), InfoNCE bounds per input and target, codec rates."""
    p = result.params
    labels = [*p["models"], INPUT_REFERENCE]
    lines = [f"## Latent information ({len(p['images'])} images, test images: {', '.join(p['test_images'])}; "
             f"×{p['scale']} LR, {p['per_image']} codes per image and input)", "",
             "Linear-probe test accuracy (chance = most frequent test class). 'input 3×3' reads the decoded LR "
             "pixels around the code's pixel instead of the code.", "",
             "| task | chance | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    for task in task_order(result):
        by = {s.model: s for s in result.probes if s.task == task}
        chance = next(iter(by.values())).chance
        lines.append(f"| {task} | {100 * chance:.1f} % | " +
                     " | ".join(f"{100 * by[m].test_accuracy:.1f} %" if m in by else "–" for m in labels) + " |")
    lines += ["", f"InfoNCE lower bound on I(code; HR patch) in nats (ceiling log N = {math.log(p['batch']):.2f}; "
                  f"critic trained {p['steps']} steps, evaluated on the test images):", "",
              "| input | target | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    keys = list(dict.fromkeys((s.input, s.target) for s in result.infonce))
    for cond, target in keys:
        by = {s.model: s for s in result.infonce if s.input == cond and s.target == target}
        cells = " | ".join(fmt(by[m].bound) if m in by else "–" for m in labels)
        lines.append(f"| {cond} | {target} | {cells} |")
    measured = ", ".join(f"{c} {v:.2f}" for c, v in p["codec_bpp_measured"].items())
    lines += ["", f"Codec probe inputs at ~{p['codec_bpp']:g} bpp (measured means: {measured})."]
    return "\n".join(lines) + "\n"
