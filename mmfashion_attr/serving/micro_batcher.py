"""Micro-batching of model calls across concurrent requests, on one worker
thread (own code: a queue, a deadline and futures; libraries for it
bring their own servers or process pools)."""
import queue
import threading
import time
from collections import Counter
from concurrent.futures import Future
from typing import Any, Callable, List, Optional, Sequence

# how often a batch waiting for pending items looks whether they still are
PENDING_POLL = 0.001


class MicroBatcher:
    """Collects submitted items into batches and runs ``fn`` on each batch
    in a worker thread: a batch closes when it has ``max_batch`` items or
    ``max_wait_ms`` after it opened, except that items the caller has
    announced (``pending``: e.g. images being decoded) are waited for up
    to ``max_fill_ms``, so that a batch is not cut just before them and
    they are not left to a small batch of their own.

    When ``fn`` raises on a batch of several items, each item is run again
    alone, so one bad item fails only its own future.

    Args:
        fn (Callable): ``fn(items) -> results``, one result per item, in
            order (e.g. one model call).
        max_batch (int): Most items per call; 1 disables batching.
        max_wait_ms (float): How long a batch waits to fill up.
        name (str): The worker thread's name.
        on_call (Callable, optional): ``on_call(size, seconds)`` after each
            call of ``fn`` (metrics).
        pending (Callable, optional): ``pending()`` -> how many items are
            on their way (announced, not yet submitted).
        max_fill_ms (float): How long after it opened a batch that is not
            full waits for pending items (at least ``max_wait_ms``).
    """

    def __init__(self, fn: Callable[[List[Any]], Sequence[Any]],
                 max_batch: int = 32, max_wait_ms: float = 10.0,
                 name: str = 'micro-batcher',
                 on_call: Optional[Callable[[int, float], None]] = None,
                 pending: Optional[Callable[[], int]] = None,
                 max_fill_ms: float = 50.0):
        if max_batch < 1:
            raise ValueError(f'max_batch {max_batch}: at least 1')
        self.fn, self.max_batch, self.on_call = fn, max_batch, on_call
        self.max_wait = max_wait_ms / 1000.0
        self.pending = pending
        self.max_fill = max(max_fill_ms, max_wait_ms) / 1000.0
        self.batch_sizes = Counter()  # batch size -> number of fn calls
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)
        self._thread.start()

    def submit(self, item: Any) -> Future:
        """Queue one item; its future gets its result or exception."""
        if not self._thread.is_alive():
            raise RuntimeError('the micro-batcher is closed')
        future = Future()
        self._queue.put((item, future))
        return future

    def queued(self) -> int:
        """Items waiting for a call (approximately: a queue's size)."""
        return self._queue.qsize()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued items, then stop the worker."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _collect(self, first) -> list:
        opened = time.monotonic()
        batch = [first]
        while len(batch) < self.max_batch:
            timeout = self._timeout(time.monotonic() - opened)
            try:
                entry = self._queue.get(timeout=timeout) if timeout > 0 \
                    else self._queue.get_nowait()
            except queue.Empty:
                if timeout > 0:  # waited: see whether still worth it
                    continue
                break
            if entry is None:  # close(): run what we have, then stop
                self._queue.put(None)
                break
            batch.append(entry)
        return batch

    def _timeout(self, elapsed: float) -> float:
        """How long to wait for the next item of a batch open ``elapsed``
        seconds: to ``max_wait``; then, while items are pending, in steps
        of a millisecond up to ``max_fill``; else 0 (take what is there)."""
        if elapsed < self.max_wait:
            return self.max_wait - elapsed
        if self.pending is not None and elapsed < self.max_fill and \
                self.pending() > 0:
            return min(PENDING_POLL, self.max_fill - elapsed)
        return 0.0

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = self._collect(first)
            batch = [(item, fut) for item, fut in batch
                     if fut.set_running_or_notify_cancel()]
            if batch:
                self._call(batch)

    def _call(self, batch) -> None:
        items = [item for item, _ in batch]
        start = time.perf_counter()
        try:
            results = list(self.fn(items))
            if len(results) != len(items):
                raise RuntimeError(f'{len(results)} results for '
                                   f'{len(items)} items')
        except Exception as e:  # noqa: BLE001 (given to the futures)
            if len(batch) > 1:  # find the culprit: each item alone
                for entry in batch:
                    self._call([entry])
                return
            self._count(1, start)
            batch[0][1].set_exception(e)
            return
        self._count(len(batch), start)
        for (_, future), result in zip(batch, results):
            future.set_result(result)

    def _count(self, size: int, start: float) -> None:
        self.batch_sizes[size] += 1
        if self.on_call is not None:
            try:
                self.on_call(size, time.perf_counter() - start)
            except Exception:  # noqa: BLE001 (metrics never fail a call)
                pass
