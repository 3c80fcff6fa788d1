"""Shared fixtures: a tiny SynthFashion dataset written once per test session."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # tests.helpers importable from subprocesses too
    sys.path.insert(0, ROOT)


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory):
    """SynthFashion with 24 train / 8 val / 7 test images of 64 px (an odd
    test size: distributed tests pad it)."""
    from mmfashion_attr.datasets.synthfashion import generate
    root = str(tmp_path_factory.mktemp('synthfashion'))
    generate(root, num_train=24, num_val=8, size=64, seed=0, num_test=7)
    return root


@pytest.fixture(scope='session')
def schema_file(synth_root):
    return osp.join(synth_root, 'schema.json')


def _manager_classes():
    """Every mmengine ManagerMixin subclass loaded so far (DefaultScope,
    MMLogger, MessageHub, Visualizer and its subclasses)."""
    from mmengine.utils import ManagerMixin
    todo, seen = [ManagerMixin], []
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


@pytest.fixture(autouse=True)
def isolate_mmengine_globals():
    """Drop the global instances a test created, and loggers of finished
    runs. A Runner registers its DefaultScope, MMLogger and Visualizer under a
    timestamp name; left in place, the next test builds in the Runner's scope
    and a Runner made in the same second reuses its closed log file."""
    before = {cls: dict(cls._instance_dict) for cls in _manager_classes()}
    yield
    for cls in _manager_classes():
        kept = before.get(cls, {})
        for name in list(cls._instance_dict):
            if name not in kept or _closed_log_file(cls._instance_dict[name]):
                del cls._instance_dict[name]


def _closed_log_file(instance):
    """A logger whose run ended (LoggerHook closes its file at after_run):
    kept current, the next ``init_weights`` writes to the closed file."""
    import logging
    return any(isinstance(h, logging.FileHandler) and h.stream is None
               for h in getattr(instance, 'handlers', ()))
