"""MicroBatcher: batches up to max_batch, results to their own items, a
failing item retried alone, close() finishes what is queued."""
import threading
import time

import pytest

from mmfashion_attr.serving.micro_batcher import MicroBatcher


def test_batches_fill_up_and_results_go_to_their_items():
    calls = []
    batcher = MicroBatcher(lambda items: calls.append(list(items)) or
                           [x * 10 for x in items], max_batch=4,
                           max_wait_ms=500)
    futures = [batcher.submit(i) for i in range(10)]  # queued at once
    assert [f.result(5) for f in futures] == [i * 10 for i in range(10)]
    batcher.close()
    assert [len(c) for c in calls] == [4, 4, 2]
    assert dict(batcher.batch_sizes) == {4: 2, 2: 1}


def test_max_batch_1_is_one_call_per_item():
    batcher = MicroBatcher(lambda items: items, max_batch=1, max_wait_ms=50)
    assert [batcher.submit(i).result(5) for i in range(3)] == [0, 1, 2]
    batcher.close()
    assert dict(batcher.batch_sizes) == {1: 3}
    with pytest.raises(ValueError, match='at least 1'):
        MicroBatcher(lambda items: items, max_batch=0)


def test_a_failing_item_fails_alone():
    def fn(items):
        if 'bad' in items:
            raise RuntimeError('bad item')
        return [x.upper() for x in items]

    release = threading.Event()
    batcher = MicroBatcher(lambda items: release.wait(5) and fn(items),
                           max_batch=8, max_wait_ms=200)
    futures = [batcher.submit(x) for x in ('a', 'bad', 'c')]
    release.set()
    assert futures[0].result(5) == 'A' and futures[2].result(5) == 'C'
    with pytest.raises(RuntimeError, match='bad item'):
        futures[1].result(5)
    batcher.close()
    assert dict(batcher.batch_sizes) == {1: 3}  # the batch of 3 retried


def test_wrong_number_of_results_is_an_error_and_close_stops():
    batcher = MicroBatcher(lambda items: items[:-1], max_batch=2,
                           max_wait_ms=0)
    with pytest.raises(RuntimeError, match='0 results for 1 items'):
        batcher.submit('x').result(5)
    batcher.close()
    with pytest.raises(RuntimeError, match='closed'):
        batcher.submit('y')


def submit_later(batcher, items, delay):
    """Each item submitted ``delay`` s after the previous, on a thread."""
    futures = []

    def run():
        for item in items:
            threading.Event().wait(delay)
            futures.append(batcher.submit(item))
    thread = threading.Thread(target=run)
    thread.start()
    return thread, futures


def test_pending_items_are_waited_for_up_to_max_fill():
    # items arrive 60 ms apart, after the 20 ms wait: announced, they join
    # the open batch; not announced, each makes a batch of its own
    for announced, sizes in ((True, [4]), (False, [1, 1, 1, 1])):
        pending = [4 if announced else 0]
        calls = []

        def fn(items):
            calls.append(len(items))
            return items
        batcher = MicroBatcher(fn, max_batch=4, max_wait_ms=20,
                               pending=lambda: pending[0],
                               max_fill_ms=2000)
        first = batcher.submit(0)
        pending[0] -= 1 if announced else 0
        thread, futures = submit_later(batcher, [1, 2, 3], 0.06)
        first.result(5)
        thread.join()
        assert [f.result(5) for f in futures] == [1, 2, 3]
        batcher.close()
        assert calls == sizes, announced


def test_max_fill_bounds_the_wait_for_pending_items():
    calls = []
    batcher = MicroBatcher(lambda items: calls.append(len(items)) or items,
                           max_batch=4, max_wait_ms=10,
                           pending=lambda: 1,  # one that never comes
                           max_fill_ms=100)
    began = time.monotonic()
    assert batcher.submit('a').result(5) == 'a'
    took = time.monotonic() - began
    batcher.close()
    assert calls == [1] and 0.1 <= took < 2
