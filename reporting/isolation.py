"""Reading what strangers send: each file in a worker process of its own that may die without stopping the run.

pool.ordered_map serves our own work (writing workbooks, receipts); its multiprocessing.Pool leaves a job
unanswered for ever when a worker dies, so a file that crashes its reader would hang collect. Here a worker
is a process with a pipe to the main process. A worker that dies (a signal: a reader that aborts, or the
memory limit reached) or runs past the time limit on one job is ended and replaced; the job it was on is
answered by `on_crash(job, Crash)` and the jobs queued behind it go to the others. Workers get an
address-space limit (RLIMIT_AS) above what they hold once started, so a file that would take all the
machine's memory ends its worker instead; they end with the main process (PR_SET_PDEATHSIG and the pipe),
ignore Ctrl-C (the main process handles it), and on SIGTERM unwind, so atomic writes remove their
temporary files. Results come back in job order, as with pool.ordered_map.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .pool import _hold_ctrl_c, _release_ctrl_c

AHEAD = 4  # jobs (× chunk) handed to each worker ahead of the consumer, so memory stays flat
CRASHED, TIMED_OUT = "crashed", "timeout"


@dataclass(frozen=True)
class Limits:
    """What one worker may use: address space above what it holds once started (bytes), seconds per job, and
    `more_seconds(job)`: seconds a job gets on top (a large file takes longer to copy, whatever is in it)."""

    memory: int | None = None
    seconds: float | None = None
    more_seconds: Callable[[Any], float] | None = None


@dataclass(frozen=True)
class Crash:
    """Why a job got no answer from its worker: CRASHED (with the signal, if one ended it) or TIMED_OUT."""

    reason: str
    signal: int | None = None
    seconds: float | None = None


class WorkerError(RuntimeError):
    """A job raised in its worker an exception that could not be sent back: its type and text."""


def isolated_map(function: Callable[[Any], Any], jobs: Iterable[Any], workers: int, *,
                initializer: Callable[..., None], initargs: tuple = (), start_method: str | None = None,
                chunk: int = 1, limits: Limits | None = None,
                on_crash: Callable[[Any, Crash], Any] | None = None) -> Generator[Any, None, None]:
    """function(job) for each job, run by `workers` processes, yielded in job order.

    Each worker has up to `chunk` jobs waiting in its pipe, so it never waits for the main process between
    jobs. A job whose worker dies or overruns `limits.seconds` is answered by on_crash(job, Crash) (without
    it, a WorkerError is raised). An exception raised by `function` is raised here as a WorkerError.
    Close the iterator (contextlib.closing) when stopping early: that stops the workers at once.
    """
    pool = _Pool(function, max(workers, 1), initializer, initargs, start_method, max(chunk, 1),
                 limits or Limits(), on_crash)
    try:
        yield from pool.run(iter(jobs))
    finally:
        pool.stop()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    queued: deque = field(default_factory=deque)  # (index, job) sent, not yet answered, oldest first
    since: float = 0.0  # when the oldest queued job started
    allowed: float = 0.0  # the seconds it may take (Limits.seconds and more_seconds)

    @property
    def sentinel(self) -> int:
        return self.process.sentinel


class _Pool:
    def __init__(self, function: Callable[[Any], Any], workers: int, initializer: Callable[..., None],
                 initargs: tuple, start_method: str | None, depth: int, limits: Limits,
                 on_crash: Callable[[Any, Crash], Any] | None) -> None:
        self.context = multiprocessing.get_context(start_method)
        self.function, self.initializer, self.initargs = function, initializer, initargs
        self.size, self.depth, self.limits, self.on_crash = workers, depth, limits, on_crash
        self.workers: list[_Worker] = []
        self.retry: deque = deque()  # (index, job) of a replaced worker, given out before new ones
        self.done: dict[int, Any] = {}

    def run(self, jobs: Iterator[Any]) -> Iterator[Any]:
        given = following = 0
        exhausted = False
        while True:
            while following in self.done:
                yield self.done.pop(following)
                following += 1
            if exhausted and not self.retry and following == given:
                return
            window = self.size * AHEAD
            for worker in self._idle_first():
                while len(worker.queued) < self.depth:
                    if self.retry:
                        item = self.retry.popleft()
                    elif exhausted or given - following >= window:
                        break
                    else:
                        job = next(jobs, _END)
                        if job is _END:
                            exhausted = True
                            break
                        item = (given, job)
                        given += 1
                    self._send(worker, item)
            self._wait()

    def _idle_first(self) -> list[_Worker]:
        while len(self.workers) < self.size:
            self.workers.append(self._start())
        return sorted(self.workers, key=lambda w: len(w.queued))

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        before = _hold_ctrl_c()
        try:
            inherited = [w.conn.fileno() for w in self.workers] + [ours.fileno()]
            if self.context.get_start_method() != "fork":
                inherited = []  # a spawned worker inherits nothing
            make = self.context.Process  # type: ignore[attr-defined]  # every start method's context has it
            process = make(target=_serve, daemon=True, args=(
                theirs, self.function, self.initializer, self.initargs, self.limits.memory, os.getpid(), inherited))
            process.start()
        finally:
            _release_ctrl_c(before)
        theirs.close()
        return _Worker(process, ours)

    def _send(self, worker: _Worker, item: tuple[int, Any]) -> None:
        if not worker.queued:
            worker.since, worker.allowed = time.monotonic(), self._allowed(item[1])
        worker.queued.append(item)
        with contextlib.suppress(OSError, EOFError):  # a dead worker: _wait finds out and replaces it
            worker.conn.send(item)

    def _wait(self) -> None:
        busy = [w for w in self.workers if w.queued]
        if not busy:
            return
        timeout = None
        if self.limits.seconds is not None and busy:
            now = time.monotonic()
            timeout = max(0.0, min(w.since + w.allowed - now for w in busy))
        ready = wait([w.conn for w in busy] + [w.sentinel for w in busy], timeout)
        for worker in busy:
            if worker.conn in ready:
                if self._receive(worker):
                    continue
            elif worker.sentinel not in ready:
                if self.limits.seconds is not None and time.monotonic() - worker.since >= worker.allowed:
                    self._replace(worker, Crash(TIMED_OUT, seconds=worker.allowed))
                continue
            if worker.sentinel in ready or not worker.process.is_alive():
                self._drain(worker)
                if worker.queued:
                    worker.process.join()
                    code = worker.process.exitcode
                    self._replace(worker, Crash(CRASHED, -code if code is not None and code < 0 else None))

    def _receive(self, worker: _Worker) -> bool:
        """Take one answer; False when the pipe is closed (the worker died)."""
        try:
            index, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            return False
        worker.queued.popleft()
        worker.since = time.monotonic()
        worker.allowed = self._allowed(worker.queued[0][1]) if worker.queued else 0.0
        if not ok:
            raise value if isinstance(value, BaseException) else WorkerError(value)
        self.done[index] = value
        return True

    def _allowed(self, job: Any) -> float:
        """The seconds `job` may take: Limits.seconds, and more_seconds(job) on top."""
        if self.limits.seconds is None:
            return 0.0
        more = self.limits.more_seconds(job) if self.limits.more_seconds is not None else 0.0
        return self.limits.seconds + more

    def _drain(self, worker: _Worker) -> None:
        """Answers a dying worker sent before it died."""
        while worker.queued:
            try:
                if not worker.conn.poll():
                    return
            except (EOFError, OSError):
                return
            if not self._receive(worker):
                return

    def _replace(self, worker: _Worker, crash: Crash) -> None:
        index, job = worker.queued.popleft()
        self.retry.extendleft(reversed(worker.queued))
        worker.queued.clear()
        _end(worker)
        self.workers.remove(worker)
        if self.on_crash is None:
            raise WorkerError(f"worker {crash.reason} (signal {crash.signal}) on job {index}")
        self.done[index] = self.on_crash(job, crash)

    def stop(self) -> None:
        for worker in self.workers:
            if not worker.queued:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)  # done: the worker ends by itself
        deadline = time.monotonic() + 2
        for worker in self.workers:
            if worker.queued:
                worker.process.terminate()
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers = []


_END = object()


def _end(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
    worker.conn.close()


def _serve(conn: Connection, function: Callable[[Any], Any], initializer: Callable[..., None], initargs: tuple,
           memory: int | None, parent: int, inherited: list[int]) -> None:
    """A worker: jobs in, answers out (index, ok, result or the error's text), until told to stop.

    It ends with the main process: when that one is killed, the pipe's other end closes (the ends of the
    other workers' pipes a forked worker inherited are closed first) and, on Linux, the kernel ends it at
    once (PR_SET_PDEATHSIG), so no worker outlives a killed run holding the workspace lock."""
    _die_with(parent)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)  # ended by the main process: finally blocks remove temporary files
    _quiet()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored from now on anyway
    initializer(*initargs)
    if memory is not None:
        _limit_memory(memory)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, job = item
        try:
            answer = (index, True, function(job))
        except Exception as exc:
            answer = (index, False, _portable(exc))
        conn.send(answer)


def _portable(exc: Exception) -> Exception | str:
    """The exception itself when it survives pickling (an OSError keeps its errno and path), else its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return f"{type(exc).__name__}: {exc}"
    exc.__traceback__ = None
    return exc


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _die_with(parent: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux (no prctl, no SIGKILL, CDLL(None) refused): the pipe's end still ends it
        pass
    if os.getppid() != parent:  # the main process died before the line above
        os._exit(1)


def _quiet() -> None:
    """A reader that aborts prints a backtrace naming no file: the main process reports the file instead."""
    import faulthandler

    faulthandler.disable()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        return


def _limit_memory(extra: int) -> None:
    """Address space: what the worker holds now plus `extra` (where the platform has RLIMIT_AS)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = held + extra
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return
