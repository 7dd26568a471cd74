"""Which image files a corpus holds: folders (searched recursively), globs and plain paths; and each image's key."""

from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".tif", ".tiff", ".webp"}
GLOB_CHARS = set("*?[")


def is_glob(text: str) -> bool:
    """The text holds a shell wildcard (``*``, ``?`` or ``[``)."""
    return any(ch in GLOB_CHARS for ch in str(text))


def is_corpus(entries) -> bool:
    """Several entries, or one that is a folder or a glob: a corpus rather than one photo."""
    entries = list(entries)
    return len(entries) > 1 or any(Path(e).is_dir() or (is_glob(e) and not Path(e).exists()) for e in entries)


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def collect_images(entries, exclude=None) -> list[Path]:
    """The image files named by ``entries`` (folders → their image files, recursively, hidden ones skipped;
    globs → the files they match, recursive ``**`` allowed; paths → themselves, whatever their suffix, so a bad
    file named on purpose gets its error row). Sorted within each entry, duplicates dropped, files under
    ``exclude`` (the output folder) left out. Raises ValueError when an entry names nothing or nothing is found.
    """
    exclude = Path(exclude).resolve() if exclude is not None else None
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        real = path.resolve()
        if real in seen or (exclude is not None and (real == exclude or exclude in real.parents)):
            return
        seen.add(real)
        found.append(path)

    for entry in entries:
        text = os.fspath(entry)
        path = Path(text)
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and _visible(p, path):
                    add(p)
        elif path.is_file():
            add(path)
        elif is_glob(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            matches = [m for m in matches if m.is_file()]
            if not matches:
                raise ValueError(f"the pattern {text!r} matches no file")
            for m in matches:
                add(m)
        else:
            raise ValueError(f"no such file or folder: {text!r}")
    if not found:
        raise ValueError("no image files found in " + ", ".join(repr(os.fspath(e)) for e in entries)
                         + f" (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    return found


def file_sha256(path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes (hex); OSError when it cannot be read."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def image_key(path) -> str:
    """16 hex digits naming an image by its absolute path: the stem of its rows file (with the parameters' hash).
    The content's sha256 is a column of its rows, so a file changed in place is explained again."""
    return hashlib.sha256(os.fspath(Path(path).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def glob_root(pattern: str) -> Path:
    """The folder a glob searches from: its leading parts before the first one with a wildcard."""
    parts = []
    for part in Path(pattern).parts:
        if is_glob(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def display_name(path, roots) -> str:
    """The image's name in rows and reports: its path relative to the folder (or the glob's folder) it was found
    in, else as given."""
    path = Path(path)
    for root in roots:
        root = glob_root(os.fspath(root)) if is_glob(os.fspath(root)) and not Path(root).exists() else Path(root)
        if root.is_dir():
            try:
                return path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                continue
    return path.as_posix()
