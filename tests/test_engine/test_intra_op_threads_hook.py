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
