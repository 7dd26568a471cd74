"""The rate–distortion curves as a plain-text table."""

from __future__ import annotations

from .curves import RateDistortionCurve


def format_curves(curves: dict[str, RateDistortionCurve]) -> str:
    """A plain-text table: codec, target and achieved bpp, setting, PSNR-Y of the LR and of every upscale."""
    lines = []
    for codec, c in curves.items():
        names = list(c.psnr_sr)
        if not lines:
            lines.append(f"{'codec':<9}{'target':>7}{'bpp':>7}  {'setting':<14}{'LR':>7}"
                         + "".join(f"{n[:12]:>13}" for n in names))
        for i in range(c.bpp.size):
            setting = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in c.settings[i].items()
                                if k in ("quality", "rate"))
            lines.append(f"{codec:<9}{c.target_bpp[i]:7.2f}{c.bpp[i]:7.3f}  {setting:<14}{c.psnr_lr[i]:7.2f}"
                         + "".join(f"{c.psnr_sr[n][i]:13.2f}" for n in names))
    return "\n".join(lines)
