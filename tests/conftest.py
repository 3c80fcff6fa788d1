"""Shared fixtures: a tiny SynthFashion dataset written once per test session."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # tests.helpers importable from subprocesses too
    sys.path.insert(0, ROOT)

from tests.helpers.mmengine_globals import purge, snapshot  # noqa: E402


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory):
    """SynthFashion with 24 train / 8 val / 7 test images of 64 px (an odd
    test size: distributed tests pad it)."""
    from mmfashion_attr.datasets.synthfashion import generate
    root = str(tmp_path_factory.mktemp('synthfashion'))
    generate(root, num_train=24, num_val=8, size=64, seed=0, num_test=7)
    return root


@pytest.fixture(scope='session')
def tiny_backends(synth_root, tmp_path_factory):
    """A tiny model (two checkpoints) and its files for each deployment
    backend, exported on first use (tests/helpers/tiny_backends.py)."""
    from tests.helpers.tiny_backends import TinyBackends
    return TinyBackends(synth_root, tmp_path_factory.mktemp('backends'))


@pytest.fixture(scope='session')
def schema_file(synth_root):
    return osp.join(synth_root, 'schema.json')


@pytest.fixture(autouse=True)
def isolate_mmengine_globals():
    """Drop the global instances a test created. A Runner registers its
    DefaultScope, MMLogger and Visualizer under a timestamp name; left in
    place, the next test builds in the Runner's scope and a Runner made in
    the same second reuses its logger, log file included."""
    before = snapshot()
    yield
    purge(before)


@pytest.fixture(scope='module', autouse=True)
def isolate_mmengine_globals_per_module():
    """The same for what a module's fixtures created (they are set up
    before a test's snapshot)."""
    before = snapshot()
    yield
    purge(before)
