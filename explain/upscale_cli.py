"""`liif-explain upscale IN OUT --scale S`: upscale one image file."""

from __future__ import annotations

from pathlib import Path

from .fileio import atomic_path
from .images import save_image
from .models.names import JPEG_TWIN
from .upscale import upscale


def add_arguments(parser) -> None:
    parser.add_argument("input", help="image file or default image name")
    parser.add_argument("output", help="output image file (.png recommended)")
    parser.add_argument("--scale", type=float, help="any positive factor, e.g. 3.5")
    parser.add_argument("--size", type=int, nargs=2, metavar=("HEIGHT", "WIDTH"))
    parser.add_argument("--model", default=JPEG_TWIN, help="shipped name or checkpoint path")
    parser.add_argument("--tile", type=int, default=128, help="LR tile side (bounds memory)")


def check_output_path(path: Path) -> None:
    """Refuse, before any upscaling, an output whose extension Pillow cannot write (or a folder)."""
    from PIL import Image

    if path.is_dir():
        raise ValueError(f"output {str(path)!r} is a folder; name an image file, e.g. {str(path / 'upscaled.png')!r}")
    ext = path.suffix.lower()
    if ext:
        fmt = Image.registered_extensions().get(ext)
        if fmt is None or fmt not in Image.SAVE:
            raise ValueError(f"cannot write a {ext} image; name the output .png (lossless), .jpg, .webp or .tif")


def run(args) -> int:
    check_output_path(Path(args.output))
    out = upscale(args.model, args.input, scale=args.scale, size=tuple(args.size) if args.size else None,
                  tile=args.tile, progress=True)
    path = Path(args.output)
    with atomic_path(path, suffix=path.suffix or ".png") as tmp:
        save_image(out, tmp)
    print(f"wrote {path} ({out.shape[0]}×{out.shape[1]})")
    return 0
