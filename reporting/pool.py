"""Worker processes for work that is one independent job per file, its results used in job order.

The main process stays the only writer of the store: workers get plain data, return plain data, and write
nothing but files of their own (atomically). Results come back in the order the jobs were given, whichever
worker ran them, so what the main process does with them is the same as without workers. Workers ignore
Ctrl-C: the main process handles it (its transaction rolls back) and stops them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

AHEAD = 4  # jobs handed to each worker ahead of the consumer, so memory stays flat however many jobs


def worker_count(jobs: int, workers: int | None, threshold: int) -> int:
    """How many processes to start: 0 (work here) for few jobs or one core."""
    workers = workers or os.cpu_count() or 1
    return 0 if workers <= 1 or jobs < threshold else min(workers, jobs)


def ordered_map(function: Callable[[Any], Any], jobs: Iterable[Any], workers: int, *,
                initializer: Callable[..., None], initargs: tuple = (), start_method: str | None = None,
                ) -> Iterator[Any]:
    """function(job) for each job, run by `workers` processes, yielded in job order.

    Close the iterator (contextlib.closing) when stopping early: that stops the workers at once.
    """
    context = multiprocessing.get_context(start_method)
    with context.Pool(workers, _start, (initializer, initargs)) as pool:  # leaving it early stops the workers
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.apply_async(function, (job,)))
            if len(pending) >= workers * AHEAD:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
        pool.join()


def _start(initializer: Callable[..., None], initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    initializer(*initargs)


def _stopped(signum: int, frame: object) -> None:
    """Stopped mid-job: unwind, so a half-written file's temporary copy is removed (fileio.atomic_path)."""
    raise SystemExit(1)
