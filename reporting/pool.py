"""Worker processes for work that is one independent job per file, its results used in job order.

The main process stays the only writer of the store: workers get plain data, return plain data, and write
nothing but files of their own (atomically). Results come back in the order the jobs were given, whichever
worker ran them, so what the main process does with them is the same as without workers. Workers ignore
Ctrl-C: the main process handles it (its transaction rolls back) and ends them (SIGTERM, left to its default:
a worker ended mid-write may leave a temporary file, which its owner removes on its next run).
multiprocessing.Pool replaces a worker killed by a signal (the OOM killer, kill -9) but loses its job, whose
result would then never come: ordered_map watches its workers while it waits and raises WorkerDied instead.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from .errors import ReportingError

AHEAD = 4  # jobs handed to each worker ahead of the consumer, so memory stays flat however many jobs
POLL = 0.2  # seconds between looks at the workers while a result is awaited


class WorkerDied(ReportingError):
    """A worker process ended mid-work (killed by a signal): its jobs' results will never come."""


def worker_count(jobs: int, workers: int | None, threshold: int) -> int:
    """How many processes to start: 0 (work here) for few jobs or one core."""
    workers = workers or os.cpu_count() or 1
    return 0 if workers <= 1 or jobs < threshold else min(workers, jobs)


def ordered_map(function: Callable[[Any], Any], jobs: Iterable[Any], workers: int, *,
                initializer: Callable[..., None], initargs: tuple = (), start_method: str | None = None,
                chunk: int = 1, ahead: int = AHEAD) -> Generator[Any, None, None]:
    """function(job) for each job, run by `workers` processes, yielded in job order.

    Jobs go to the workers `chunk` at a time (each hand-over costs a round trip between processes), at most
    `ahead` groups per worker ahead of the consumer (more when the results are small and the consumer has
    other work to do meanwhile).
    Close the iterator (contextlib.closing) when stopping early: that stops the workers at once.
    """
    before = _hold_ctrl_c()
    try:
        pool = multiprocessing.get_context(start_method).Pool(workers, _start, (initializer, initargs))
    except BaseException:
        _release_ctrl_c(before)
        raise
    with pool:  # leaving the block early (Ctrl-C, an error, close()) ends the workers
        _release_ctrl_c(before)
        started: list = list(pool._pool)  # type: ignore[attr-defined]  # the Process objects, kept to see them end
        pending: deque = deque()
        for group in _chunks(jobs, chunk):
            pending.append(pool.apply_async(_run_all, (function, group)))
            if len(pending) >= workers * ahead:
                yield from _result(pool, pending.popleft(), started)
        while len(pending) > 1:
            yield from _result(pool, pending.popleft(), started)
        last = _result(pool, pending.popleft(), started) if pending else []
        pool.close()  # all done: the workers end by themselves, whether or not the consumer asks for more
        pool.join()
        yield from last


def _result(pool: Any, result: Any, started: list) -> list[Any]:
    """The result awaited, looking at the workers meanwhile: one that ended (only a signal ends one before
    the pool is closed) took its job with it, and the result would never come."""
    while True:
        try:
            return result.get(POLL)
        except multiprocessing.TimeoutError:
            pass
        started.extend(p for p in list(pool._pool) if p not in started)  # replacements the pool started
        dead = next((p for p in started if p.exitcode is not None), None)
        if dead is not None:
            how = f"被信号 {-dead.exitcode} 终止" if dead.exitcode < 0 else f"退出（代码 {dead.exitcode}）"
            raise WorkerDied(f"工作进程意外{how}（可能是内存不足或被强行结束），已停止；"
                             "已完成的部分已保存，请重新运行")


def _chunks(jobs: Iterable[Any], size: int) -> Iterator[list[Any]]:
    group: list[Any] = []
    for job in jobs:
        group.append(job)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _run_all(function: Callable[[Any], Any], group: list[Any]) -> list[Any]:
    return [function(job) for job in group]


def _hold_ctrl_c() -> set | None:
    """Hold Ctrl-C back while the pool starts: one in the middle of a fork can leave a lock taken (a
    worker not yet ignoring it dies, and the pool forks a replacement from a thread). The pool's threads
    keep it held back for good, so Ctrl-C goes to the main thread. None where there are no signal masks."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _release_ctrl_c(before: set | None) -> None:
    """Back to the mask before: a Ctrl-C held back arrives now."""
    if before is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _start(initializer: Callable[..., None], initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored from now on anyway
    initializer(*initargs)
