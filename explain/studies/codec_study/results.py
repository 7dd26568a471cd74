"""What the codec study returns: its rows (plain dataclasses of numbers and names) and its vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TARGET_BPPS = (0.3, 0.45, 0.6, 0.9)  # bits per LR pixel, all channels
HEADLINE_BPPS = (0.3, 0.6)  # the rates of the Markdown tables and of the LAM statistics
DEFAULT_SCALE = 2
DECODED = "decoded"  # method name of the rows that measure the decoded LR image against the clean LR image
BICUBIC = "bicubic"
ATTRIBUTION_WINDOW = 16  # LR pixels: a 2×2 group of 8×8 blocks, with block boundaries through its middle


@dataclass
class CodecRow:
    """One measurement: an image coded by one codec at one setting, measured for one method.

    method:      ``"decoded"`` (decoded LR vs clean LR, block grid 8), ``"bicubic"`` or a model label
                 (×s upscale of the decoded LR vs the HR image, s-pixel shave, block grid 8·s).
    point:       the curve point: ``"0.3 bpp"`` (target mode) or the settings label (grid mode).
    target_bpp:  the requested rate (NaN in grid mode); ``matched``: |bpp − target| ≤ tolerance·target.
    bpp, nbytes: the coded LR stream's rate and size.
    psnr_y, psnr_b in dB (peak 1, BT.601 Y); ssim on Y.
    bef:         BEF (Y, [0, 1]² units) of the measured image on its grid; ``block_ratio`` = D_B / D_B^c.
    bef_reference, block_ratio_reference: the same of the reference image (clean LR or HR): the level that
                 the content alone gives.
    """

    image: str
    codec: str
    point: str
    settings: str
    target_bpp: float
    bpp: float
    nbytes: int
    matched: bool
    method: str
    psnr_y: float
    ssim: float
    psnr_b: float
    bef: float
    block_ratio: float
    bef_reference: float
    block_ratio_reference: float


@dataclass
class CurvePoint:
    """Image means of one (codec, point, method): one point of a rate–distortion curve."""

    codec: str
    point: str
    method: str
    images: int
    bpp: float
    psnr_y: float
    ssim: float
    psnr_b: float
    bef: float
    block_ratio: float


@dataclass
class BDResult:
    """Bjøntegaard deltas of ``codec`` against ``reference`` for one method's ``metric`` curve.

    bd_rate:   average rate difference at equal quality in percent (negative: ``codec`` needs fewer bits).
    bd_metric: average quality difference at equal rate (dB for PSNRs; positive: ``codec`` is better).
    overlap:   the quality interval (bd_rate) over which the curves were compared.
    """

    method: str
    metric: str
    reference: str
    codec: str
    bd_rate: float
    bd_metric: float
    overlap: tuple[float, float]


@dataclass
class AttributionRow:
    """LAM statistics of one model on one image coded by one codec at (about) ``target_bpp``.

    window: (row, col, height, width) in LR pixels (the HR window is s times it).
    di_receptive: Diffusion Index over the receptive box (comparable across images); ``own`` / ``neighbours``
    / ``beyond``: attribution shares in the window's own 8×8 blocks, the ring of blocks around them and the
    rest; ``boundary_enrichment``: share on block-edge pixels / their area share (> 1: edges attract).
    """

    image: str
    codec: str
    target_bpp: float
    bpp: float
    model: str
    window: tuple[int, int, int, int]
    di: float
    di_receptive: float
    own: float
    neighbours: float
    beyond: float
    boundary_enrichment: float


@dataclass
class CodecStudy:
    rows: list[CodecRow]
    curves: list[CurvePoint]
    bd: list[BDResult]
    attribution: list[AttributionRow]
    params: dict = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            if row.method not in seen:
                seen.append(row.method)
        return seen

    @property
    def codecs(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            if row.codec not in seen:
                seen.append(row.codec)
        return seen
