"""IntraOpThreadsHook pins torch's thread count for the run and restores
the caller's after."""
from types import SimpleNamespace

import pytest
import torch

from mmfashion_attr.engine import IntraOpThreadsHook


def test_pins_during_the_run_and_restores_after():
    caller = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        hook = IntraOpThreadsHook(threads=3)
        hook.before_run(SimpleNamespace())
        assert torch.get_num_threads() == 3
        hook.after_run(SimpleNamespace())
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(caller)


@pytest.mark.parametrize('threads', [0, -2])
def test_needs_a_positive_count(threads):
    with pytest.raises(ValueError, match='threads must be >= 1'):
        IntraOpThreadsHook(threads=threads)


def test_warns_when_pinned_above_the_cores_it_may_use(monkeypatch):
    import logging
    import os

    from mmengine.logging import MMLogger
    caller = torch.get_num_threads()
    monkeypatch.setattr(os, 'sched_getaffinity', lambda pid: {0})
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        hook = IntraOpThreadsHook(threads=2)
        hook.before_run(SimpleNamespace())
        hook.after_run(SimpleNamespace())
    finally:
        logger.removeHandler(handler)
        torch.set_num_threads(caller)
    assert any('2 threads on 1 core(s)' in m for m in messages), messages
