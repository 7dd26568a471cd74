"""One explanation at a time, off the kernel's main thread, with a progress line for people and a ZIP at the end.

:class:`JobRunner` runs :func:`explain.report.explain_photo` on a worker thread, so the page's widgets stay live
while it computes. Only one job runs at a time per server: a thread lock inside the kernel and, when the page runs
under ``liif-explain app``, an exclusive lock file in the app's session folder shared by every kernel the server
starts (two people on one server do not compete for the cores). :meth:`JobRunner.start` returns False when busy.

The worker reports through callbacks: ``on_progress(ProgressEvent)`` after every unit of work (see
:mod:`explain.report.stages`), then ``on_done(report)`` or ``on_error(exc)``. A failure's traceback goes to the
server's log (the kernel's stderr, which Voilà writes to its log), never to the page.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

try:  # POSIX: a lock shared by every kernel of one server
    import fcntl
except ImportError:  # pragma: no cover - Windows: the lock is per kernel only
    fcntl = None

LOG = logging.getLogger("liif-explain.app")
APP_DIR_ENV = "LIIF_EXPLAIN_APP_DIR"  # the server's session folder (downloads, reports, the job lock)
QUICK_EFFORT = {"windows": 1, "lam_steps": 2, "ig_steps": 2, "draws": 2, "randomise": "none", "skill": False}


def effort(quick: bool) -> dict:
    """explain_photo's effort settings: :data:`QUICK_EFFORT` in quick mode (tests), its defaults otherwise."""
    return dict(QUICK_EFFORT) if quick else {}


def duration(seconds: float | None) -> str:
    """Seconds in words for the progress line: "about 1 min 20 s", "under 5 s"; "" when unknown."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s < 5:
        return "under 5 s"
    if s < 60:
        return f"about {s} s"
    return f"about {s // 60} min {s % 60:02d} s"


def progress_line(event) -> str:
    """One line for people: the stage text, the share done and the time left (an ETA from the stages' clock)."""
    line = f"{event.text} — {100 * event.fraction:.0f} %"
    left = duration(event.eta_s)
    if left:
        line += f", {left} left"
    return line


def zip_folder(folder, zip_path) -> Path:
    """Every file of the report ``folder`` (index.html, report.json, the PNGs) into ``zip_path``, under a top folder
    named after the ZIP's stem (so it unpacks as one folder). Written to a temporary name, then renamed."""
    folder, zip_path = Path(folder), Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_name(zip_path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f"{zip_path.stem}/{f.relative_to(folder).as_posix()}")
    tmp.replace(zip_path)
    return zip_path


class JobRunner:
    """Runs one explanation at a time on a worker thread (see the module docstring).

    lock_file: the file whose exclusive lock makes the job the server's only one (None: this kernel only).
    """

    def __init__(self, lock_file=None):
        self._lock = threading.Lock()
        self._lock_file = Path(lock_file) if lock_file else None
        self._fd = None
        self.thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def _acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        if self._lock_file is not None and fcntl is not None:
            fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                self._lock.release()
                return False
            self._fd = fd
        return True

    def _release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._lock.release()

    def start(self, work: Callable[[Callable], object], on_progress: Callable, on_done: Callable,
              on_error: Callable) -> bool:
        """Start ``work(progress)`` on a worker thread unless a job is running (then return False at once).

        ``work`` receives the progress callback to hand to explain_photo and returns the result for ``on_done``.
        An exception goes to ``on_error`` and its traceback to the log."""
        if not self._acquire():
            return False

        def run():
            try:
                result = work(on_progress)
            except Exception as exc:  # noqa: BLE001 - every failure reaches the page as one line
                LOG.error("explain failed:\n%s", traceback.format_exc())
                try:
                    on_error(exc)
                except Exception:  # noqa: BLE001
                    LOG.error("the page could not show the error:\n%s", traceback.format_exc())
            else:
                try:
                    on_done(result)
                except Exception as exc:  # noqa: BLE001
                    LOG.error("the page could not show the answer:\n%s", traceback.format_exc())
                    on_error(exc)
            finally:
                self._release()

        self.thread = threading.Thread(target=run, name="liif-explain-job", daemon=True)
        self.thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)
