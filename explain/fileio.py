"""Atomic file output: write beside the target, then rename, so no partial file is ever left behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    The temporary name keeps ``path``'s suffix (or ``suffix``) so format-by-extension writers work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


@contextmanager
def staged_folder(out_dir):
    """Yield an empty temporary folder beside ``out_dir`` to write a set of files into; on success each file is
    moved into ``out_dir`` (created if needed; same-named files are replaced, others kept), on error none is, so a
    failed run leaves no part of the set behind.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"output folder {str(out)!r} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name or 'out'}.staging-", dir=out.parent))
    try:
        yield stage
        files = sorted(stage.iterdir())
        blocked = [out / f.name for f in files if (out / f.name).is_dir()]
        if blocked:
            raise ValueError(f"cannot write {str(blocked[0])!r}: a folder of that name is in the way")
        out.mkdir(exist_ok=True)
        for f in files:
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
