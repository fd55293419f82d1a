"""Running one build stage over many awards in worker processes, one per core."""

from __future__ import annotations

import ctypes
import functools
import gc
import itertools
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import Any, TypeVar

T = TypeVar("T")
X = TypeVar("X")
Y = TypeVar("Y")

# Below this many items a stage runs in the build's own process: starting workers costs more.
MIN_PARALLEL = 64
CHUNK = 32
# Chunks queued for each worker ahead of its results: enough that none waits for this
# process; before ``meanwhile`` (which may take seconds), enough for the workers to go on.
AHEAD = 4
BEFORE_MEANWHILE = 512

# A worker gives its free memory back every so many chunks: after each chunk, it spent
# about 2 % of its time taking the same pages back from the system.
RELEASE_EVERY = 16

_worker_context: list[Any] = []
_chunk_numbers = itertools.count(1)


def worker_count() -> int:
    """How many processes to use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_chunks(
    setup: Callable[[], T],
    work: Callable[[T, Sequence[X]], list[Y]],
    items: Iterable[X],
    *,
    count: int | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[list[Y]]:
    """``work(context, chunk)`` for consecutive chunks of ``items``, results in order.

    Each process calls ``setup`` once for its context (templates, caches). Workers are
    forked, so they inherit what the build already read without copying it; a
    process that runs other threads (the development server) works alone instead,
    since forking it is not safe. ``meanwhile`` runs in this process once the workers
    have their work (before the first result): a single-process step that does not
    need the results overlaps with them instead of leaving a core idle.

    ``items`` is read a few chunks ahead of the workers, in this thread, never whole:
    it may be a generator reading from a file (then ``count`` says how many there are).
    """
    if count is None:
        count = len(items) if isinstance(items, Sized) else 0  # unknown: works alone
    chunks = batched(items, CHUNK)
    processes = worker_count() if workers is None else workers
    if processes <= 1 or count < MIN_PARALLEL or threading.active_count() > 1:
        if meanwhile is not None:
            meanwhile()
        context = setup()
        for chunk in chunks:
            yield work(context, chunk)
        return
    forking = multiprocessing.get_context("fork")
    # Workers share this process's objects until they write to them, and the cyclic
    # collector writes to every object it scans: frozen, they stay shared (a worker of a
    # 100 000-award build would otherwise copy the whole parent's heap).
    gc.collect()
    gc.freeze()
    release_free_memory()  # what the workers would inherit, never to use
    try:
        processes = min(processes, -(-count // CHUNK))
        with forking.Pool(processes, initializer=_start, initargs=(setup,)) as pool:
            ahead = AHEAD * processes if meanwhile is None else BEFORE_MEANWHILE
            pending = deque(
                pool.apply_async(_run, ((work, chunk),))
                for chunk in itertools.islice(chunks, ahead)
            )
            if meanwhile is not None:
                meanwhile()
                release_free_memory()  # what it made is written: the rest of the stage is long
            while pending:
                done = pending.popleft().get()
                for chunk in itertools.islice(chunks, 1):
                    pending.append(pool.apply_async(_run, ((work, chunk),)))
                yield done
    finally:
        gc.unfreeze()


def release_free_memory() -> None:
    """Give the memory that the C allocator holds free back to the system.

    Python returns its own small-object pools, but larger objects (pages, lists of
    earners, pickled chunks) come from the C allocator, and glibc keeps what is freed
    inside its heap: a worker grew with every chunk, and the build's own process kept
    what it used to make the site's pages. ``malloc_trim`` gives those pages back; it is
    glibc's (other C libraries return memory on their own, or keep it).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        function: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return function


def batched(items: Iterable[X], size: int) -> Iterator[list[X]]:
    """Consecutive lists of ``size`` items (the last one shorter), read as they are needed:
    Python 3.12's ``itertools.batched``, as lists."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _start(setup: Callable[[], Any]) -> None:
    _worker_context.append(setup())


def _run(task: tuple[Callable[[Any, Sequence[Any]], list[Any]], Sequence[Any]]) -> list[Any]:
    work, chunk = task
    try:
        return work(_worker_context[0], chunk)
    finally:
        if next(_chunk_numbers) % RELEASE_EVERY == 0:
            release_free_memory()
