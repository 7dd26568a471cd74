"""The Dask cluster a corpus runs on: an embedded ``LocalCluster`` of worker processes (one thread each), or an
existing scheduler (``dask scheduler`` / ``dask worker``). Dask's own logging is kept to warnings."""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass

THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@dataclass
class Cluster:
    """A connected client; ``local`` the embedded LocalCluster (None for an external scheduler); ``dashboard``
    the dashboard's address (None when it cannot run: it needs bokeh); ``workers`` how many are connected."""

    client: object
    local: object | None
    dashboard: str | None
    workers: int

    def close(self) -> None:
        """Close the client, then the embedded cluster (an external one is left running). A worker still busy
        is killed (its image was cancelled): Dask's warning about it is noise here."""
        logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
        logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)
        try:
            self.client.close(timeout=10)
        except Exception:  # noqa: BLE001 - closing after an interruption: nothing more to do
            pass
        if self.local is not None:
            try:
                self.local.close(timeout=20)
            except Exception:  # noqa: BLE001
                pass


class LostSchedulerFilter(logging.Filter):
    """Drops a worker's "Failed to communicate with scheduler during heartbeat" record (logged with its traceback):
    when a run is stopped (Ctrl-C, SIGTERM) the scheduler may close before the worker's last heartbeat, and the
    driver, which closes them, has already said what happened. Every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "during heartbeat" not in record.getMessage()


def _worker_plugin():
    """A WorkerPlugin for the embedded cluster's workers: they ignore Ctrl-C (the terminal sends it to the whole
    process group; the driver then cancels the tasks and closes the cluster itself), run torch on one thread, and
    keep a lost scheduler's heartbeat traceback off the terminal (:class:`LostSchedulerFilter`)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class EmbeddedWorker(WorkerPlugin):
        name = "liif-explain-embedded-worker"

        def setup(self, worker):
            import signal

            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            except ValueError:  # not in the main thread of the worker process
                pass
            import torch

            torch.set_num_threads(1)
            logging.getLogger("distributed.worker").addFilter(LostSchedulerFilter())

    return EmbeddedWorker()


def quiet_dask() -> None:
    """Dask's loggers to warnings (they log every worker start and stop at INFO)."""
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker",
                 "distributed.core", "distributed.http.proxy", "bokeh", "tornado"):
        logging.getLogger(name).setLevel(logging.WARNING)


def dashboard_available() -> bool:
    """Dask's dashboard needs bokeh."""
    return importlib.util.find_spec("bokeh") is not None


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def connect(scheduler: str | None = None, workers: int | None = None, wait_s: float = 60) -> Cluster:
    """A client on ``scheduler`` (``tcp://HOST:PORT``) or, when None, on a new LocalCluster of ``workers`` worker
    processes (default :func:`default_workers`), one thread each, torch and BLAS on one thread (environment),
    with the dashboard on a free port when bokeh is installed. ValueError when the scheduler cannot be reached or
    has no worker within ``wait_s`` seconds."""
    import dask
    from distributed import Client, LocalCluster

    quiet_dask()
    dask.config.set({"distributed.scheduler.allowed-failures": 3, "distributed.admin.tick.limit": "30s"})
    if scheduler is not None:
        if workers is not None:
            raise ValueError("--workers is for the embedded cluster; an external scheduler has its own workers")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=wait_s)
        except (TimeoutError, OSError):
            client.close()
            raise ValueError(f"the Dask scheduler at {scheduler} has no worker after {wait_s:.0f} s; start some "
                             f"with `dask worker {scheduler} --nthreads 1`") from None
        link = client.dashboard_link if dashboard_available() else None
        return Cluster(client, None, link, len(client.scheduler_info()["workers"]))
    n = default_workers() if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"--workers must be a positive number of worker processes, got {workers!r}")
    env = {**THREAD_ENV}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    # the worker processes log errors only (a cancelled task is a warning there); the driver reports each image
    local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                         dashboard_address=":0", host="127.0.0.1", env=env)  # a free port: never a clash
    client = Client(local)
    client.register_plugin(_worker_plugin())
    link = local.dashboard_link if dashboard_available() else None
    return Cluster(client, local, link, n)
