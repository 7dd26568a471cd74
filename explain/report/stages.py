"""The named stages of one explanation, timed once and reported everywhere under the same names.

:func:`explain.report.explain_photo` runs these stages in this order (the four per-window stages once per model and
window): the progress bar, ``report.json``'s ``timings``, ``benchmarks/explain_report.py``'s stage table and the
page's progress line all use :data:`STAGE_NAMES` and nothing else.

A :class:`StageClock` times the stages, counts work in *passes* (roughly one forward + backward pass through a
window's receptive crop; stages without model passes get a fixed share, :data:`STAGE_WEIGHTS`) and turns the
count into an ETA. ``progress`` is ``True`` (a tqdm bar), ``False`` (nothing) or a callable that receives a
:class:`ProgressEvent` after every unit of work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from tqdm.auto import tqdm

# In the order they run. Words for people: these names appear as they are on the progress bar and the page.
# Per model and window, "ensemble" comes first: it rebuilds the window, the picture a page shows first.
STAGE_NAMES = ("read", "choose windows", "ensemble", "latent", "clues", "causal clues", "comparisons", "words",
               "figures", "HTML")
PER_WINDOW = ("ensemble", "latent", "clues", "causal clues")
# Work (in passes) of the stages that run no gradient path: rough costs on a 2-core CPU, for the ETA only.
STAGE_WEIGHTS = {"read": 1.0, "choose windows": 1.0, "ensemble": 1.0, "latent": 1.0, "causal clues": 8.0,
                 "comparisons": 1.0, "words": 0.5, "figures": 6.0, "HTML": 0.5}


@dataclass
class ProgressEvent:
    """One progress report.

    stage:     the running stage, one of :data:`STAGE_NAMES`.
    model:     the model it runs for (per-window stages), else None.
    window:    1-based window number (per-window stages), else None; ``windows`` how many there are.
    done, total: work finished and planned, in passes (``done`` ≤ ``total``).
    elapsed_s: seconds since the explanation started; ``eta_s`` the estimated seconds left (None at the start).
    text:      one line for people, e.g. "window 2 of 3 · liif-edsr-jpeg · causal clues".
    """

    stage: str
    model: str | None
    window: int | None
    windows: int
    done: float
    total: float
    elapsed_s: float
    eta_s: float | None
    text: str

    @property
    def fraction(self) -> float:
        """``done / total`` in [0, 1]."""
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def stage_text(stage: str, model: str | None = None, window: int | None = None, windows: int = 0) -> str:
    """The progress line for people: "window 2 of 3 · liif-edsr-jpeg · causal clues", or the stage alone."""
    parts = []
    if window is not None:
        parts.append(f"window {window} of {windows}")
    if model is not None:
        parts.append(model)
    parts.append(stage)
    return " · ".join(parts)


class StageClock:
    """Times the named stages of one explanation and reports progress (see the module docstring).

    total:    planned work in passes (grow it with :meth:`plan` when more becomes known).
    progress: True (tqdm bar on stderr), False or None (silent) or a callable ``progress(event)``.
    windows:  how many windows the explanation has (for the progress text).

    ``seconds`` holds {stage: seconds} over the whole run; ``by_model`` {model: {stage: seconds}}. The clock can
    stand in for a tqdm bar (``update(n)``), so probes that advance a bar advance it. It is thread-safe: when jobs
    run side by side (``explain_photo(workers=…)``) each stage's seconds are summed over the jobs, so the per-stage
    seconds can add up to more than the wall-clock time (``elapsed``).
    """

    def __init__(self, total: float = 0.0, progress: bool | Callable | None = True, windows: int = 0):
        self.total = float(total)
        self.done = 0.0
        self.windows = int(windows)
        self.seconds = {name: 0.0 for name in STAGE_NAMES}
        self.by_model: dict[str, dict[str, float]] = {}
        self._start = time.perf_counter()
        self._stage, self._model, self._window = STAGE_NAMES[0], None, None
        self._callback = progress if callable(progress) else None
        self._lock = threading.RLock()  # jobs on several threads report to one clock
        self._bar = None
        if progress is True:
            # delay: a file refused at once (too small, not an image) leaves one error line, not a bar
            self._bar = tqdm(total=max(self.total, 1.0), desc="explain", unit="pass", delay=0.5,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")

    # ------------------------------------------------------------------ work
    def plan(self, more: float) -> None:
        """Add ``more`` passes of planned work."""
        self.total += float(more)
        if self._bar is not None:
            self._bar.total = max(self.total, 1.0)
            self._bar.refresh()

    def update(self, n: float = 1.0) -> None:
        """``n`` passes of the running stage are done (a tqdm-compatible name: probes call ``bar.update``)."""
        with self._lock:
            n = float(n)
            self.done = min(self.total, self.done + n) if self.total > 0 else self.done + n
            if self._bar is not None:
                self._bar.update(n)
            self._emit()

    @contextmanager
    def stage(self, name: str, model: str | None = None, window: int | None = None, work: float | None = None):
        """Time stage ``name`` (for ``model`` on ``window``, when per window); on exit count ``work`` passes done
        (default :data:`STAGE_WEIGHTS`, 0 for a stage whose work is counted by ``update`` calls inside it)."""
        if name not in STAGE_NAMES:
            raise ValueError(f"unknown stage {name!r}; the stages are {', '.join(STAGE_NAMES)}")
        with self._lock:
            self._stage, self._model, self._window = name, model, window
            if self._bar is not None:
                self._bar.set_description_str(stage_text(name, model, window, self.windows), refresh=False)
            self._emit()
        t0 = time.perf_counter()
        try:
            yield self
        finally:
            dt = time.perf_counter() - t0
            with self._lock:
                self.seconds[name] += dt
                if model is not None:
                    per = self.by_model.setdefault(model, {})
                    per[name] = per.get(name, 0.0) + dt
            self.update(STAGE_WEIGHTS.get(name, 0.0) if work is None else work)

    # --------------------------------------------------------------- reports
    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before any work is done)."""
        if self.done <= 0 or self.total <= 0:
            return None
        return max(0.0, self.elapsed * (self.total - self.done) / self.done)

    def event(self) -> ProgressEvent:
        return ProgressEvent(self._stage, self._model, self._window, self.windows, self.done, self.total,
                             self.elapsed, self.eta(),
                             stage_text(self._stage, self._model, self._window, self.windows))

    def _emit(self) -> None:
        if self._callback is not None:
            self._callback(self.event())

    def timings(self) -> dict:
        """{"stages": {stage: s}, "by_model": {model: {stage: s}}} rounded to ms, for ``report.json``."""
        return {"stages": {k: round(v, 3) for k, v in self.seconds.items()},
                "by_model": {m: {k: round(v, 3) for k, v in d.items()} for m, d in self.by_model.items()}}

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


__all__ = ["STAGE_NAMES", "PER_WINDOW", "STAGE_WEIGHTS", "ProgressEvent", "StageClock", "stage_text"]
