"""What the page accepts: an uploaded file or a sample image, turned into a checked file on disk.

Every refusal is a ValueError whose message is one plain line that names the file as the person called it (never
a temporary path): not an image, truncated, a JPEG Pillow cannot decode (12-bit, lossless, arithmetic-coded),
too large (over :data:`MAX_BYTES` or :data:`MAX_PIXELS`), too small. :func:`explain.jpeg_facts.read_photo` does the
reading; a CMYK JPEG is read (converted to RGB) and its note is shown, as the report shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..jpeg_facts import Photo, read_photo

MAX_MB = 20  # per uploaded file; the server raises Tornado's websocket message limit to match (server.py)
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_PIXELS = 12_000_000  # 12 MP: the photo; an original is scale² times larger, so it gets scale² times this
SAMPLES = {"astronaut": "the tour's image", "coffee": "a cup of coffee", "chelsea": "a cat"}
SAMPLE_QUALITY, SAMPLE_SCALE = 20, 4  # as the tour: the image ×4 downscaled, JPEG quality 20, with its original


def limits_text(scale: float = SAMPLE_SCALE) -> str:
    """The limits in words, shown next to the upload buttons."""
    return (f"JPEG (or PNG) up to {MAX_PIXELS / 1e6:.0f} MP ({MAX_PIXELS:,} pixels) and {MAX_MB} MB; "
            f"the original is {scale:g}× its width and height, up to {MAX_MB} MB")


def safe_stem(name: str) -> str:
    """A file-name stem safe for the report's folder and ZIP: letters, digits, ``._-`` (others → ``_``)."""
    stem = Path(str(name)).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "photo"
    return stem[:80]


@dataclass
class Upload:
    """A checked input: ``name`` as the person called it, ``path`` its bytes on disk, ``photo`` it as read
    (:class:`explain.jpeg_facts.Photo`), ``original`` the HR original array when known (samples, or an uploaded
    original), ``stem`` the name of the report and its ZIP."""

    name: str
    path: Path
    photo: Photo
    stem: str
    original: np.ndarray | None = None

    def describe(self) -> str:
        """One line: the file's summary and notes."""
        facts = self.photo.facts
        text = f"{self.name}: {facts.summary()}"
        if facts.notes:
            text += " (" + "; ".join(facts.notes) + ")"
        return text


def _plain(exc: Exception, path: Path, name: str) -> str:
    """The error text with the temporary path replaced by the person's file name."""
    return str(exc).replace(repr(str(path)), repr(name)).replace(str(path), name)


def save_upload(name: str, content, folder) -> Path:
    """Write an uploaded file's bytes into ``folder`` (created) under a safe name; refuses an empty or too large
    file. Returns the path."""
    data = bytes(content)
    if not data:
        raise ValueError(f"{name!r} is empty (0 bytes)")
    if len(data) > MAX_BYTES:
        raise ValueError(f"{name!r} is {len(data) / 1024 ** 2:.1f} MB; the page takes files up to {MAX_MB} MB")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "".join(c for c in Path(str(name)).suffix[:6] if c.isalnum() or c == ".")
    path = folder / (safe_stem(name) + suffix)
    path.write_bytes(data)
    return path


def read_upload(name: str, content, folder) -> Upload:
    """An uploaded photo, checked (see the module docstring); ValueError with one plain line otherwise."""
    path = save_upload(name, content, folder)
    try:
        photo = read_photo(path)
    except ValueError as exc:
        path.unlink(missing_ok=True)
        raise ValueError(_plain(exc, path, name)) from None
    h, w = photo.image.shape[:2]
    if h * w > MAX_PIXELS:
        path.unlink(missing_ok=True)
        raise ValueError(f"{name!r} is {w}×{h} = {h * w / 1e6:.1f} MP; the page takes photos up to "
                         f"{MAX_PIXELS / 1e6:.0f} MP ({MAX_PIXELS:,} pixels): crop or downscale it first")
    photo.facts.source = name
    return Upload(name, path, photo, safe_stem(name))


def read_original(name: str, content, folder, photo: Photo, scale: float = SAMPLE_SCALE) -> np.ndarray:
    """An uploaded original for ``photo``: it must be ``scale`` × the photo's size. Returns (H, W, 3) float32 in
    [0, 1]; ValueError with one plain line otherwise."""
    from ..probes.causal import check_original
    from ..upscale import output_size

    path = save_upload(name, content, folder)
    try:
        image = read_photo(path, min_side=1).image
        return check_original(image, output_size(photo.image.shape, scale))
    except ValueError as exc:
        raise ValueError(f"{name!r}, the original: " + _plain(exc, path, name)) from None
    finally:
        path.unlink(missing_ok=True)


def read_sample(name: str, folder, scale: int = SAMPLE_SCALE, quality: int = SAMPLE_QUALITY) -> Upload:
    """A sample as the tour makes it (:func:`explain.headline.headline_scene`): the scikit-image picture ×``scale``
    downscaled and saved as a JPEG of ``quality``, with the picture itself as the original."""
    from ..headline import headline_scene

    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; the samples are {', '.join(SAMPLES)}")
    sc = headline_scene(name, scale, quality)
    stem = f"{name}_q{int(quality)}"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.jpg"
    path.write_bytes(sc.data)
    photo = read_photo(path)
    photo.facts.source = f"{stem}.jpg"
    return Upload(f"{stem}.jpg", path, photo, stem, original=sc.hr)
