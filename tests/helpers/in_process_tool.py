"""Run a repository tool's ``main`` in the test's own interpreter, through
``run_main`` as its command line does (no interpreter start-up: the
imports are shared with the test)."""
import importlib.util
import os.path as osp
import sys

from mmfashion_attr.utils.cli import run_main
from tests.helpers.run_tool import ROOT


def tool_main(path: str):
    """The ``main`` of ``path`` (relative to the repository root)."""
    name = 'in_process_' + osp.splitext(path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run_in_process(path: str, args, monkeypatch) -> int:
    """``python PATH ARGS`` in process; returns the exit status."""
    monkeypatch.setattr(sys, 'argv', [path] + [str(a) for a in args])
    try:
        run_main(tool_main(path))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    return 0
