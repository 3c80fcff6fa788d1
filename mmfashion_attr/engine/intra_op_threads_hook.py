"""Pin torch's intra-op thread count for a run: float sums in CPU kernels
are split across threads, so the thread count changes the result."""
import logging
import os

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class IntraOpThreadsHook(Hook):
    """Run with ``threads`` intra-op threads whatever the machine's core
    count or ``OMP_NUM_THREADS``, and restore the caller's count after.

    PyTorch's CPU convolutions and matrix products split their sums by
    thread, so the same seed on 1, 2 or 16 threads trains to different
    weights; with the count pinned the run is the same on any machine. More
    threads than free cores is slower, and can be far slower: each parallel
    region waits for its slowest thread (seen: the demo at 5-8 s an
    iteration instead of 0.2 s on 2 cores shared with two other busy
    processes); the hook warns when the process may use fewer cores. Data
    loader workers keep their own single thread.

    Args:
        threads (int): Intra-op threads for the run (``torch.set_num_threads``).
    """
    priority = 'VERY_HIGH'

    def __init__(self, threads: int):
        if int(threads) < 1:
            raise ValueError(f'threads must be >= 1, got {threads!r}')
        self.threads = int(threads)
        self._caller_threads = None

    def before_run(self, runner) -> None:
        cores = len(os.sched_getaffinity(0)) if hasattr(
            os, 'sched_getaffinity') else os.cpu_count()
        if cores and self.threads > cores:
            print_log(f'IntraOpThreadsHook: {self.threads} threads on {cores} '
                      'core(s) this process may use: the result is the same, '
                      'but threads wait for each other (much slower, more so '
                      'when other processes are busy)', logger='current',
                      level=logging.WARNING)
        self._caller_threads = torch.get_num_threads()
        if self._caller_threads != self.threads:
            print_log(f'IntraOpThreadsHook: {self.threads} intra-op threads '
                      f'(was {self._caller_threads})', logger='current')
        torch.set_num_threads(self.threads)

    def after_run(self, runner) -> None:
        if self._caller_threads is not None:
            torch.set_num_threads(self._caller_threads)
