"""What a worker does for one image: explain it, write its report folder, then its rows file (the "done" mark).

Runs in a Dask worker process (or in-process for tests). Models are loaded once per worker process and kept in
:data:`_MODELS`; torch runs on one thread per worker. Any failure of one image (an unreadable or corrupt file, an
image too small, …) becomes its error row, so the other images go on.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from . import store
from .rows import error_row, report_rows

# (model specs) → [model, …] named by their labels: loaded once per worker process
_MODELS: dict[tuple[str, ...], list] = {}
# Test hook: "IMAGE NAME|MARKER FILE" makes the task of that image kill its own worker process once (while the
# marker file does not exist; it is created first), to test that a killed worker loses nothing.
KILL_ENV = "LIIF_EXPLAIN_CORPUS_KILL"
REPORTS_DIR = "reports"


def worker_models(specs) -> list:
    """The models of ``specs`` (names or checkpoint paths), loaded on the first call in this process only; each
    carries its label as ``.name`` (the labels :func:`explain.report.explain.resolve_models` gives)."""
    key = tuple(str(s) for s in specs)
    if key not in _MODELS:
        from ..report.explain import resolve_models

        found = resolve_models(list(key))
        for label, model in found.items():
            model.name = label
        _MODELS[key] = list(found.values())
    return _MODELS[key]


def report_folder(out, name: str, key: str) -> Path:
    """``OUT/reports/<name, made safe>-<key[:8]>``: the image's explain report."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "image"
    return Path(out) / REPORTS_DIR / f"{safe}-{key[:8]}"


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def _maybe_kill(name: str) -> None:
    hook = os.environ.get(KILL_ENV)
    if not hook or "|" not in hook:
        return
    target, marker = hook.split("|", 1)
    if target == name and not Path(marker).exists():
        Path(marker).write_text(f"killed the worker of {name} (pid {os.getpid()})\n", encoding="utf-8")
        os._exit(13)


def explain_image(job: dict) -> dict:
    """Explain one image and write its files.

    job: {"path": absolute path, "name": display name, "key": image key, "out": corpus folder, "params": hash,
          "models": [specs], "settings": explain_photo keywords (scale, windows, lam_steps, ig_steps, randomise,
          baseline_quality, seed), "versions": {…}, "report": write the report folder (bool)}.
    Returns {"key", "name", "status" ("ok" / "error"), "error", "rows" (count), "seconds", "file"}.
    """
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    path, name, key, out = job["path"], job["name"], job["key"], job["out"]
    base = {"image": name, "path": path, "image_key": key, "content_sha256": None, "params_hash": job["params"],
            "liif_explain_version": job["versions"]["liif-explain"], "torch_version": job["versions"]["torch"],
            "scale": float(job["settings"]["scale"]), "worker": _worker_name()}
    _maybe_kill(name)
    try:
        from ..report.explain import explain_photo, write_report
        from .sources import file_sha256

        base["content_sha256"] = file_sha256(path)
        models = worker_models(job["models"])
        report = explain_photo(path, None, models=models, progress=False, **job["settings"])
        if job.get("report", True):
            write_report(report, report_folder(out, name, key))
        base["seconds"] = time.perf_counter() - t0
        rows = report_rows(report, base)
        status, message = "ok", None
    except Exception as exc:  # one image's failure is its error row; the corpus goes on
        message = str(exc) if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {exc}"
        base["seconds"] = time.perf_counter() - t0
        rows = [error_row(base, message)]
        status = "error"
        message = rows[0]["error"]
    target = store.write_rows(store.rows_file(out, key, job["params"]), rows)
    return {"key": key, "name": name, "status": status, "error": message, "rows": len(rows),
            "seconds": time.perf_counter() - t0, "file": str(target), "worker": base["worker"],
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB (NaN where the resource module is missing)."""
    try:
        import resource
        import sys
    except ImportError:  # not on a Unix
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux
