"""Jobs side by side: results in order, one torch thread each, and the first error stops the jobs still waiting."""

import time

import pytest
import torch

from explain.parallel import run_side_by_side


def test_results_come_back_in_order_on_one_torch_thread_each():
    def job(k):
        time.sleep(0.01 * (3 - k))
        return k, torch.get_num_threads()

    assert run_side_by_side(job, range(4), workers=2) == [(k, 1) for k in range(4)]


def test_the_first_error_stops_the_jobs_still_waiting():
    """Job 1 fails while job 0 still runs: the error comes once job 0 is done, and jobs 3–7 never start (the
    error used to wait for the jobs before it in order, while the pool started every other job)."""
    started = []

    def job(k):
        started.append(k)
        if k == 1:
            raise ValueError("job 1 failed")
        time.sleep(1.0 if k == 0 else 0.3)
        return k

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="job 1 failed"):
        run_side_by_side(job, range(8), workers=2)
    assert time.perf_counter() - t0 < 2.0
    assert sorted(started)[:2] == [0, 1] and len(started) <= 3, started
