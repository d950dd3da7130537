"""reporting/pool.py: results in job order, whatever the chunk size and however the workers interleave."""

from __future__ import annotations

import os
import signal
import time
from contextlib import closing

import pytest

from reporting.pool import WorkerDied, ordered_map, worker_count


def _slow_square(job: int) -> tuple[int, int]:
    time.sleep(0.001 * (job % 3))  # later jobs sometimes finish first
    return job, job * job


def _nothing() -> None:
    pass


@pytest.mark.parametrize("chunk", [1, 3, 50])
def test_results_come_in_job_order(chunk):
    results = list(ordered_map(_slow_square, range(41), 2, initializer=_nothing, chunk=chunk))
    assert results == [(n, n * n) for n in range(41)]


def test_stopping_early_ends_the_workers():
    with closing(ordered_map(_slow_square, range(1000), 2,
                             initializer=_nothing, chunk=4)) as results:
        first = [next(results) for _ in range(5)]
    assert first == [(n, n * n) for n in range(5)]


def test_few_jobs_or_one_core_run_here():
    assert worker_count(5, 2, threshold=16) == 0
    assert worker_count(100, 1, threshold=16) == 0
    assert worker_count(100, 2, threshold=16) == 2


def _killed_at_seven(job: int) -> int:
    if job == 7:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    return job


@pytest.mark.parametrize("chunk", [1, 4])
def test_a_worker_killed_by_a_signal_is_an_error_not_a_hang(chunk):
    signal.alarm(60)  # a hang fails the test instead of stopping the suite
    started = time.monotonic()
    try:
        got = []
        with pytest.raises(WorkerDied, match="信号 9") as caught:
            for result in ordered_map(_killed_at_seven, range(40), 2, initializer=_nothing, chunk=chunk):
                got.append(result)
    finally:
        signal.alarm(0)
    assert got == list(range(len(got))) and len(got) <= 7  # in order, up to the job lost
    assert time.monotonic() - started < 30 and caught.value.message.endswith("请重新运行")
