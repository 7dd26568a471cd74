"""Lossy codecs through Pillow: JPEG, WebP, JPEG 2000, AVIF.

``compress(image, codec, **settings)`` quantises an image to 8 bits, encodes it in memory, decodes it again
and reports the exact size of the encoded stream (``CodecInfo.nbytes``) and its bit rate
(``bpp`` = 8·nbytes / (H·W), bits per pixel of the (H, W) image, all three colour channels together).
``compress_to_bpp`` searches a codec's quality parameter for the setting closest to a target bit rate, the
basis of "matched bpp" codec comparisons. ``available_codecs()`` lists what the installed Pillow can encode.

Settings (defaults in brackets; anything else is a ValueError naming the setting):

- ``"jpeg"``: ``quality`` 1–100 [75], ``subsampling`` "4:4:4" | "4:2:2" | "4:2:0" ["4:2:0"], ``optimize`` bool
  [False] (libjpeg, baseline; by default the standard Huffman tables: the same bytes as
  :func:`jpeg_roundtrip_uint8`; ``optimize=True`` writes image-optimised Huffman tables — identical pixels, fewer
  bytes: 10–37 % fewer on BSD100 ×2 LR images at quality 30–5).
- ``"webp"``: ``quality`` 0–100 [80], ``lossless`` bool [False], ``method`` 0–6 [4] (encoder effort).
- ``"jpeg2000"``: ``rate`` ≥ 1, the compression ratio against the raw 24-bit image (40 → about 24/40 = 0.6 bpp),
  or ``psnr`` > 0, a target PSNR in dB (OpenJPEG's quality_mode "rates" / "dB" with one quality layer) — at
  most one of the two, ``rate`` 20 when neither is given; ``irreversible`` bool [True] (9/7 wavelet and
  irreversible colour transform; False is the reversible 5/3 path). The stream is a raw J2K codestream
  without the JP2 box wrapper, so ``nbytes`` counts only the codestream.
- ``"avif"``: ``quality`` 0–100 [75], ``speed`` 0–10 [6] (encoder speed, 0 slowest), ``subsampling``
  "4:4:4" | "4:2:2" | "4:2:0" ["4:2:0"].
"""

from __future__ import annotations

import io
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, features

from .images import load_image, to_uint8

JPEG_SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}
AVIF_SUBSAMPLING = ("4:4:4", "4:2:2", "4:2:0")

# codec name → (Pillow format name, PIL.features name)
_PILLOW = {
    "jpeg": ("JPEG", "jpg"),
    "webp": ("WEBP", "webp"),
    "jpeg2000": ("JPEG2000", "jpg_2000"),
    "avif": ("AVIF", "avif"),
}


@dataclass(frozen=True)
class _Setting:
    kind: str  # "int", "float", "bool" or "choice"
    default: object = None
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    open_low: bool = False  # True: the value must be strictly above ``low``


_SETTINGS: dict[str, dict[str, _Setting]] = {
    "jpeg": {
        "quality": _Setting("int", 75, 1, 100),
        "subsampling": _Setting("choice", "4:2:0", choices=tuple(JPEG_SUBSAMPLING)),
        "optimize": _Setting("bool", False),
    },
    "webp": {
        "quality": _Setting("int", 80, 0, 100),
        "lossless": _Setting("bool", False),
        "method": _Setting("int", 4, 0, 6),
    },
    "jpeg2000": {
        "rate": _Setting("float", None, 1.0, None),
        "psnr": _Setting("float", None, 0.0, None, open_low=True),
        "irreversible": _Setting("bool", True),
    },
    "avif": {
        "quality": _Setting("int", 75, 0, 100),
        "speed": _Setting("int", 6, 0, 10),
        "subsampling": _Setting("choice", "4:2:0", choices=AVIF_SUBSAMPLING),
    },
}
_JPEG2000_DEFAULT_RATE = 20.0


@dataclass
class CodecInfo:
    """What an encode produced: ``nbytes`` is the length of the encoded stream, ``bpp`` = 8·nbytes/(H·W).

    ``settings`` holds every setting used, defaults included; ``shape`` is (H, W); ``extra`` holds
    codec- or search-specific notes (e.g. the target of :func:`compress_to_bpp`).
    """

    codec: str
    settings: dict
    nbytes: int
    bpp: float
    shape: tuple[int, int]
    extra: dict = field(default_factory=dict)

    def label(self) -> str:
        """Short human-readable description, e.g. ``"jpeg quality=30 subsampling=4:2:0 (0.52 bpp)"``."""
        parts = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.settings.items())
        return f"{self.codec} {parts} ({self.bpp:.3g} bpp)"


def available_codecs() -> list[str]:
    """Names of the codecs the installed Pillow can encode, in the order jpeg, webp, jpeg2000, avif."""
    names = []
    for name, (_, feature) in _PILLOW.items():
        try:
            ok = features.check(feature)
        except ValueError:  # feature unknown to an older Pillow
            ok = False
        if ok:
            names.append(name)
    return names


def _check_codec(codec) -> str:
    available = available_codecs()
    if not isinstance(codec, str) or codec.lower() not in available:
        known = "" if not isinstance(codec, str) or codec.lower() not in _PILLOW else " (not built into this Pillow)"
        raise ValueError(f"unknown or unavailable codec {codec!r}{known}; available codecs: {', '.join(available)}")
    return codec.lower()


def _check_value(codec: str, name: str, spec: _Setting, value):
    where = f"{codec} setting {name!r}"
    if spec.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{where} must be True or False, got {value!r}")
        return bool(value)
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ValueError(f"{where} must be one of {list(spec.choices)}, got {value!r}")
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    if spec.kind == "int":
        if value != int(value):
            raise ValueError(f"{where} must be a whole number, got {value!r}")
        value = int(value)
    else:
        value = float(value)
    too_low = spec.low is not None and (value <= spec.low if spec.open_low else value < spec.low)
    if too_low or (spec.high is not None and value > spec.high):
        lo = f"({spec.low:g}" if spec.open_low else f"[{spec.low:g}"
        hi = "∞)" if spec.high is None else f"{spec.high:g}]"
        raise ValueError(f"{where} must lie in {lo}, {hi}, got {value!r}")
    return value


def resolve_settings(codec: str, **settings) -> dict:
    """Validate ``settings`` for ``codec`` and fill in the defaults; returns the complete settings dict."""
    codec = _check_codec(codec)
    specs = _SETTINGS[codec]
    unknown = sorted(set(settings) - set(specs))
    if unknown:
        raise ValueError(f"unknown {codec} setting(s) {', '.join(map(repr, unknown))}; "
                         f"{codec} takes {', '.join(specs)}")
    resolved = {}
    for name, spec in specs.items():
        if name in settings and settings[name] is not None:
            resolved[name] = _check_value(codec, name, spec, settings[name])
        elif spec.default is not None:
            resolved[name] = spec.default
    if codec == "jpeg2000":
        if "rate" in resolved and "psnr" in resolved:
            raise ValueError("jpeg2000 takes either setting 'rate' or setting 'psnr', not both")
        if "rate" not in resolved and "psnr" not in resolved:
            resolved = {"rate": _JPEG2000_DEFAULT_RATE, **resolved}
    return resolved


def _pillow_options(codec: str, s: dict) -> dict:
    if codec == "jpeg":
        return {"quality": s["quality"], "subsampling": JPEG_SUBSAMPLING[s["subsampling"]], "optimize": s["optimize"]}
    if codec == "webp":
        return {"quality": s["quality"], "lossless": s["lossless"], "method": s["method"]}
    if codec == "jpeg2000":
        mode, layer = ("rates", s["rate"]) if "rate" in s else ("dB", s["psnr"])
        # mct=1: the RGB→YCbCr component transform (ICT/RCT) of JPEG 2000 Part 1; Pillow's default is off,
        # which would code R, G and B independently and waste about 3–4 dB at equal rate.
        return {"no_jp2": True, "quality_mode": mode, "quality_layers": [float(layer)],
                "irreversible": s["irreversible"], "mct": 1}
    return {"quality": s["quality"], "speed": s["speed"], "subsampling": s["subsampling"]}


def _as_uint8(image) -> np.ndarray:
    if isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3:
        return np.ascontiguousarray(image)
    return to_uint8(load_image(image))


def encode(image, codec: str = "jpeg", **settings) -> bytes:
    """The encoded stream (bytes) of ``image`` (anything :func:`explain.images.load_image` accepts)."""
    resolved = resolve_settings(codec, **settings)
    return _encode_u8(_as_uint8(image), codec.lower(), resolved)


def _encode_u8(image_u8: np.ndarray, codec: str, resolved: dict) -> bytes:
    buf = io.BytesIO()
    fmt = _PILLOW[codec][0]
    try:
        Image.fromarray(image_u8).save(buf, fmt, **_pillow_options(codec, resolved))
    except OSError as exc:  # e.g. a JPEG 2000 rate the header alone exceeds on a tiny image
        raise ValueError(f"{codec} could not encode a {image_u8.shape[0]}×{image_u8.shape[1]} image "
                         f"with {resolved}: {exc}") from None
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    """Decode any stream Pillow reads → float32 (H, W, 3) in [0, 1]."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def compress(image, codec: str = "jpeg", **settings) -> tuple[np.ndarray, CodecInfo]:
    """Encode ``image`` in memory with ``codec`` and decode it again.

    image: anything :func:`explain.images.load_image` accepts; it is rounded to 8 bits first.
    Returns (decoded float32 (H, W, 3) in [0, 1], :class:`CodecInfo`). See the module docstring for the
    settings of each codec. Raises ValueError for an unknown/unavailable codec or a bad setting.
    """
    codec = _check_codec(codec)
    resolved = resolve_settings(codec, **settings)
    image_u8 = _as_uint8(image)
    data = _encode_u8(image_u8, codec, resolved)
    decoded = decode(data)
    height, width = image_u8.shape[:2]
    if decoded.shape != image_u8.shape:  # pragma: no cover - would be a Pillow bug
        raise RuntimeError(f"{codec} decoded to shape {decoded.shape}, expected {image_u8.shape}")
    extra = {"container": "j2k codestream"} if codec == "jpeg2000" else {}
    info = CodecInfo(codec, resolved, len(data), 8.0 * len(data) / (height * width), (height, width), extra)
    return decoded, info


# Parameter that compress_to_bpp searches, per codec: (name, kind, low, high).
_SEARCHED = {
    "jpeg": ("quality", "int", 1, 100),
    "webp": ("quality", "int", 0, 100),
    "avif": ("quality", "int", 0, 100),
    "jpeg2000": ("rate", "log", 1.0, None),
}


def compress_to_bpp(image, codec: str, target_bpp: float, rule: str = "closest", tolerance: float = 0.005,
                    **settings) -> tuple[np.ndarray, CodecInfo]:
    """Compress at the quality setting whose bit rate is closest to ``target_bpp`` (bits per pixel).

    The searched parameter is ``quality`` (jpeg, webp, avif; integer bisection, assuming bpp grows with
    quality) or ``rate`` (jpeg2000; bisection on log(rate), stopping within ``tolerance`` relative error).
    ``rule``: "closest" (smallest |bpp − target|) or "at_most" (the largest bpp not above the target;
    ValueError if even the lowest quality exceeds it). Other settings (e.g. ``subsampling``) pass through
    and must not include the searched parameter. ``info.extra`` records ``target_bpp`` and ``evaluations``.
    """
    codec = _check_codec(codec)
    if isinstance(target_bpp, bool) or not isinstance(target_bpp, numbers.Real) or not target_bpp > 0 \
            or not math.isfinite(target_bpp):
        raise ValueError(f"target_bpp must be a positive number, got {target_bpp!r}")
    if rule not in ("closest", "at_most"):
        raise ValueError(f"rule must be 'closest' or 'at_most', got {rule!r}")
    name, kind, low, high = _SEARCHED[codec]
    if name in settings or (codec == "jpeg2000" and "psnr" in settings):
        raise ValueError(f"compress_to_bpp searches {codec} setting {name!r} itself; do not pass it")
    if codec == "webp" and settings.get("lossless"):
        raise ValueError("compress_to_bpp needs lossy webp (lossless=False)")
    resolve_settings(codec, **settings)  # validate the fixed settings early
    image_u8 = _as_uint8(image)
    tried: dict = {}

    def run(value):
        if value not in tried:
            tried[value] = compress(image_u8, codec, **settings, **{name: value})
        return tried[value][1].bpp

    target = float(target_bpp)
    if kind == "int":
        lo, hi = low, high
        if run(lo) <= target < run(hi):
            while hi - lo > 1:  # invariant: bpp(lo) <= target < bpp(hi)
                mid = (lo + hi) // 2
                if run(mid) <= target:
                    lo = mid
                else:
                    hi = mid
    else:
        # bpp falls as the compression ratio grows; start at the nominal ratio 24 / target and bracket it.
        lo_rate = hi_rate = max(low, 24.0 / target)
        while run(lo_rate) < target and lo_rate > low:  # need bpp(lo_rate) >= target
            lo_rate = max(low, lo_rate / 2.0)
        while run(hi_rate) > target and hi_rate < 1e6:  # need bpp(hi_rate) <= target
            hi_rate *= 2.0
        for _ in range(30):
            if abs(run(lo_rate) - target) <= tolerance * target or abs(run(hi_rate) - target) <= tolerance * target:
                break
            if hi_rate / lo_rate < 1.0 + 1e-6:
                break
            mid = math.sqrt(lo_rate * hi_rate)
            if run(mid) > target:
                lo_rate = mid
            else:
                hi_rate = mid
    results = list(tried.values())
    if rule == "at_most":
        results = [r for r in results if r[1].bpp <= target]
        if not results:
            lowest = min(info.bpp for _, info in tried.values())
            raise ValueError(f"{codec} cannot go down to {target:g} bpp on this image (lowest {lowest:.4g} bpp)")
        decoded, info = max(results, key=lambda r: r[1].bpp)
    else:
        decoded, info = min(results, key=lambda r: (abs(r[1].bpp - target), -r[1].bpp))
    info.extra.update(target_bpp=target, searched=name, evaluations=len(tried))
    return decoded, info


def jpeg_roundtrip_uint8(image_u8: np.ndarray, quality: int, subsampling: str = "4:2:0") -> tuple[np.ndarray, int]:
    """Encode/decode an 8-bit (H, W, 3) array with libjpeg: (decoded uint8, encoded byte count)."""
    if subsampling not in JPEG_SUBSAMPLING:
        raise ValueError(f"JPEG subsampling must be one of {list(JPEG_SUBSAMPLING)}, got {subsampling!r}")
    buf = io.BytesIO()
    Image.fromarray(image_u8).save(buf, "JPEG", quality=int(quality), subsampling=JPEG_SUBSAMPLING[subsampling])
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB")), len(data)
