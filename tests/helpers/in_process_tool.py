"""Run a repository tool's ``main`` in the test's own interpreter, through
``run_main`` as its command line does (no interpreter start-up: the
imports are shared with the test)."""
import importlib.util
import os.path as osp
import sys

from mmfashion_attr.utils.cli import run_main
from tests.helpers.mmengine_globals import purge, snapshot
from tests.helpers.run_tool import ROOT


def tool_main(path: str):
    """The ``main`` of ``path`` (relative to the repository root)."""
    name = 'in_process_' + osp.splitext(path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run_in_process(path: str, args, monkeypatch,
                   isolate: bool = False) -> int:
    """``python PATH ARGS`` in process; returns the exit status.

    Args:
        path (str): The tool, relative to the repository root.
        args (list): Its command line.
        monkeypatch: pytest's, to set ``sys.argv``.
        isolate (bool): Drop the mmengine global instances (logger,
            visualizer, scope) the call made, as a process's exit would:
            for a test that runs several Runners one after the other.
    """
    monkeypatch.setattr(sys, 'argv', [path] + [str(a) for a in args])
    # --malloc tuned (infer_catalog.py) would change the allocator of the
    # whole test process, for every later test: it is tested in
    # subprocesses (tests/test_utils/test_malloc_tuning.py, test_serve.py)
    monkeypatch.setattr('mmfashion_attr.utils.malloc_tuning.'
                        'keep_freed_memory', lambda: 'not in tests')
    before = snapshot() if isolate else None
    try:
        run_main(tool_main(path))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    finally:
        if isolate:
            purge(before)
    return 0


def experiment_runs_in_process(monkeypatch) -> None:
    """Make the report tools' training and test runs
    (``mmfashion_attr.utils.experiment_runs``: tools/train.py, tools/test.py)
    run in this process, their output appended to the run's log as in a
    subprocess; a failed run raises CalledProcessError with its status.
    For tests of what a report does with its runs: the subprocess path
    itself is tested by tests/test_tools/test_m2fashion_report.py (real
    runs) and tests/test_utils/test_experiment_runs.py (a user error).

    Args:
        monkeypatch: pytest's; the change ends with the test.
    """
    import contextlib
    import subprocess

    from mmfashion_attr.utils import experiment_runs

    def caller(log: str):
        def call(args):
            argv = sys.argv
            try:
                with open(log, 'a') as f, contextlib.redirect_stdout(f), \
                        contextlib.redirect_stderr(f):
                    status = run_in_process(args[0], args[1:], monkeypatch,
                                            isolate=True)
            finally:
                sys.argv = argv
            if status:
                raise subprocess.CalledProcessError(status, args)

        return call

    monkeypatch.setattr(experiment_runs, '_caller', caller)
