"""Side-by-side work on a few CPU cores: several Python threads with one torch thread each.

Measured on this project's 2-core CPU (``benchmarks/explain_report.py``, ``benchmarks/liif_unit.py``): two
gradient jobs of one window each took 9.9 s one after the other on one torch thread, 17–23 s one after the other on
two torch threads (the intra-op threads wait on each other, worst when anything else runs), and 5.7 s side by side
on two Python threads with one torch thread each. torch ops release the GIL, so threads are enough; the work is
split into independent pieces whose results do not depend on which thread computed them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager

import torch


def default_workers() -> int:
    """How many pieces to run side by side: torch's intra-op thread count (the user's or the machine's choice), so
    a process that set one torch thread (a corpus worker) runs its pieces one after the other."""
    return max(1, int(torch.get_num_threads()))


@contextmanager
def one_torch_thread():
    """torch on one intra-op thread for the duration (restored after)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_side_by_side(fn: Callable, items: Sequence, workers: int | None = None) -> list:
    """``[fn(item) for item in items]``, on up to ``workers`` threads with one torch thread each when ``workers`` > 1
    (default :func:`default_workers`). Results come back in the order of ``items``; the first error is raised after
    the pieces still waiting are cancelled."""
    items = list(items)
    workers = default_workers() if workers is None else int(workers)
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    with one_torch_thread(), ThreadPoolExecutor(max_workers=min(workers, len(items)),
                                                thread_name_prefix="liif-explain") as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            # the first error as soon as it happens, not after the pieces before it in order (which would let the
            # pool start every piece still waiting); the pieces already running finish, the others never start
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception() is not None), None)
            if failed is not None:
                raise failed.exception()
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise
