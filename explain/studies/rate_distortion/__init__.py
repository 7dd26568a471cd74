"""Rate–distortion curves: bits per pixel of the compressed LR image against the quality of the decoded LR
image and of its upscales (LIIF models and bicubic).

For each codec and target bit rate, :func:`explain.codecs.compress_to_bpp` picks the codec setting closest
to the target; the decoded LR image is compared with the clean LR image, and each upscale with the HR
original, by PSNR-Y (BT.601 luma, ``scale`` pixels shaved off the border of HR outputs).

:mod:`.curves` computes them (:func:`rate_distortion` → ``{codec: RateDistortionCurve}``), :mod:`.table` prints
them; the figure is :func:`explain.figures.studies.plot_rate_distortion`.
"""

from .curves import RateDistortionCurve, rate_distortion
from .table import format_curves

__all__ = ["rate_distortion", "RateDistortionCurve", "format_curves"]
