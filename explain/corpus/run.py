"""The driver of a corpus run: which images are left, one Dask task per image, progress, interruption, answer.

:func:`run_corpus` is what ``liif-explain explain DIR_OR_GLOB … --out OUT`` runs. Workers write each image's
report folder and rows file themselves (:func:`explain.corpus.tasks.explain_image`), so whatever finished is on
disk whatever happens to the driver; a rerun with the same parameters skips the images whose rows file exists
(unless it holds an error, or the file's content changed) and computes the rest.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from ..fileio import atomic_write_text
from . import store
from .params import params_hash, versions, weights_sha256
from .rows import error_row
from .sources import collect_images, display_name, file_sha256, image_key
from .tasks import explain_image

RUN_FILE = "corpus.json"
INTERRUPTED = 130  # exit status of a run stopped by Ctrl-C or SIGTERM (what finished is kept)


@dataclass
class CorpusRun:
    """What a run did: ``images`` in the corpus, ``skipped`` (done before), ``ok`` / ``failed`` this time,
    ``failures`` [(image, message)] over the whole corpus, ``interrupted``, ``params`` (hash), ``out``, the
    written answer files ``files`` and ``seconds``."""

    out: Path
    params: str
    images: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    failures: list = field(default_factory=list)
    interrupted: bool = False
    files: dict = field(default_factory=dict)
    seconds: float = 0.0
    workers: int = 0
    worker_peak_mb: dict = field(default_factory=dict)  # worker address → peak resident memory seen (MiB)

    @property
    def status(self) -> int:
        """0: every image explained; 1: some failed; :data:`INTERRUPTED`: stopped before the end."""
        if self.interrupted:
            return INTERRUPTED
        return 1 if self.failures else 0


def check_corpus_folder(out, earlier: tuple[str, ...] = ()) -> Path:
    """The corpus folder: new, empty or an earlier corpus (it has ``corpus.json`` or ``rows/``, or one of the
    files named in ``earlier``); not a file."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output {str(out)!r} exists and is not a folder")
        marks = [out / RUN_FILE, out / store.ROWS_DIR, *(out / name for name in earlier)]
        if any(out.iterdir()) and not any(m.exists() for m in marks):
            raise ValueError(f"output folder {str(out)!r} is neither empty nor an earlier corpus run; name a new or "
                             "empty folder")
    return out


def check_settings(settings: dict) -> dict:
    """The explain settings of every image, checked once up front (a bad one is a bad command line)."""
    s = dict(settings)
    scale = s.get("scale", 4.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    for name in ("windows", "lam_steps", "ig_steps"):
        v = s.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if s.get("randomise", "first") not in ("first", "all", "none"):
        raise ValueError(f"randomise must be 'first', 'all' or 'none', got {s.get('randomise')!r}")
    q = s.get("baseline_quality")
    if q is not None and (isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= 100):
        raise ValueError(f"baseline quality must be an integer in 1..100, got {q!r}")
    s["scale"] = float(scale)
    return s


def model_specs(models) -> tuple[list[str], dict[str, str]]:
    """Model names / checkpoint paths → (specs the workers load: names as they are, files as absolute paths,
    {label: sha256 of the weights}). Loads each model once here, so a bad model is a bad command line."""
    from ..models.names import DEFAULT_MODELS
    from ..report.explain import resolve_models

    specs = [str(Path(m).resolve()) if Path(str(m)).is_file() else str(m)
             for m in (DEFAULT_MODELS if not models else models)]
    found = resolve_models(specs)
    return specs, {label: weights_sha256(model) for label, model in found.items()}


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def run_corpus(entries, out, *, models=None, settings: dict | None = None, workers: int | None = None,
               scheduler: str | None = None, report: bool = True, progress: bool = True, answer: bool = True,
               log=print) -> CorpusRun:
    """Explain every image of ``entries`` (folders, globs, files) into the corpus folder ``out``.

    models:    names or checkpoint paths (default: the shipped pair); settings: explain_photo keywords (scale,
               windows, lam_steps, ig_steps, randomise, baseline_quality, seed).
    workers / scheduler: the embedded LocalCluster's size, or the address of an existing scheduler.
    report:    write each image's explain report folder under ``OUT/reports``; answer: write the corpus answer.
    Returns a :class:`CorpusRun` (``status`` is the exit status). Raises ValueError for a bad command line before
    any cluster starts.
    """
    t0 = time.perf_counter()
    out = check_corpus_folder(out)
    settings = check_settings(settings or {})
    files = collect_images(entries, exclude=out)
    specs, shas = model_specs(models)
    v = versions()
    params = params_hash(settings, shas)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / RUN_FILE, json.dumps({"format": "liif-explain-corpus/1", "params_hash": params,
                                                  "settings": settings, "models": specs, "weights_sha256": shas,
                                                  "versions": v, "inputs": [os.fspath(e) for e in entries]},
                                                 indent=1))
    run = CorpusRun(out, params, len(files))
    done = store.finished(out, params)
    jobs = []
    for path in files:
        key = image_key(path)
        name = display_name(path, entries)
        prior = done.get(key)
        if prior is not None and prior["status"] == "ok":
            try:
                same = prior["content_sha256"] == file_sha256(path)
            except OSError:
                same = False
            if same:
                run.skipped += 1
                continue
        jobs.append({"path": str(Path(path).resolve()), "name": name, "key": key, "out": str(out.resolve()),
                     "params": params, "models": specs, "settings": settings, "versions": v, "report": report})
    log(f"{len(files)} image(s): {run.skipped} already done, {len(jobs)} to explain; parameters {params}; "
        f"rows in {store.rows_dir(out)}")
    if jobs:
        _compute(jobs, run, workers, scheduler, progress, log)
    if not run.interrupted:
        keys = {image_key(p) for p in files}
        df = store.read_rows(out, params)
        df = df[df["image_key"].isin(keys)].reset_index(drop=True)  # this run's images only
        run.failures = sorted({(r.image, r.error) for r in df[df.status == "error"].itertuples()})
        if answer:
            from .report import write_answer

            run.files = write_answer(out, df, params=params, settings=settings, models=list(shas))
    run.seconds = time.perf_counter() - t0
    return run


def _compute(jobs, run: CorpusRun, workers, scheduler, progress, log, task=explain_image,
             schema=store.SCHEMA) -> None:
    """Run ``task(job)`` for every job on the cluster, counting as they complete; sets ``run.interrupted`` on
    Ctrl-C / SIGTERM after cancelling what is left and closing the cluster."""
    from distributed import as_completed

    from .cluster import connect

    # SIGTERM as Ctrl-C; and Ctrl-C itself even where the shell started us with SIGINT ignored (a background job)
    previous = {sig: signal.signal(sig, handler) for sig, handler in
                ((signal.SIGTERM, _on_sigterm), (signal.SIGINT, signal.default_int_handler))} \
        if _main_thread() else {}
    cluster = None
    futures = []
    bar = None
    try:
        cluster = connect(scheduler, workers)
        run.workers = cluster.workers
        where = f"the scheduler at {scheduler}" if scheduler else "an embedded LocalCluster"
        log(f"{cluster.workers} worker(s) on {where}" + (f"; dashboard: {cluster.dashboard}" if cluster.dashboard
                                                          else "; no dashboard (install bokeh for one)"))
        client = cluster.client
        futures = [client.submit(task, job, pure=False, retries=1, key=f"{task.__name__}-{job['key']}")
                   for job in jobs]
        by_key = {f.key: job for f, job in zip(futures, jobs)}
        bar = tqdm(total=run.images, initial=run.skipped, desc="corpus", unit="image", disable=not progress,
                   dynamic_ncols=True)
        bar.set_postfix(failed=0)
        for future in as_completed(futures):
            job = by_key[future.key]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the image's worker died again and again
                result = _driver_error_row(job, exc, schema)
            if result.get("worker") is not None and "peak_rss_mb" in result:
                w = result["worker"]
                run.worker_peak_mb[w] = max(run.worker_peak_mb.get(w, 0.0), float(result["peak_rss_mb"]))
            if result["status"] == "ok":
                run.ok += 1
            else:
                run.failed += 1
                (bar.write if progress else log)(f"failed: {job['name']}: {result['error']}")
            bar.update(1)
            bar.set_postfix(failed=run.failed)
    except KeyboardInterrupt as exc:
        run.interrupted = True
        for f in futures:
            f.cancel()
        what = "SIGTERM" if isinstance(exc, _Terminated) else "interrupted"
    finally:
        if bar is not None:
            bar.close()
        if cluster is not None:
            cluster.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if run.interrupted:
        keys = {job["key"] for job in jobs}
        kept = sum(1 for k, v in store.finished(run.out, run.params).items() if v["status"] == "ok" and k in keys)
        left = len(jobs) - kept
        log(f"\n{what}: {run.skipped + kept} of {run.images} image(s) explained and kept in "
            f"{store.rows_dir(run.out)}; rerun the same command to finish the other {left}")


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _driver_error_row(job: dict, exc: BaseException, schema=store.SCHEMA) -> dict:
    """The error row the driver writes when a task itself could not finish (its worker died too often)."""
    v = job["versions"]
    base = {"image": job["name"], "path": job["path"], "image_key": job["key"], "content_sha256": None,
            "params_hash": job["params"], "liif_explain_version": v["liif-explain"], "torch_version": v["torch"],
            "scale": float(job["settings"]["scale"]), "worker": None}
    message = f"{type(exc).__name__}: {exc}"
    row = error_row(base, message)
    if "table" in schema.names:
        row["table"] = "error"
    store.write_rows(store.rows_file(job["out"], job["key"], job["params"]), [row], schema)
    return {"key": job["key"], "name": job["name"], "status": "error", "error": row["error"], "rows": 1}
