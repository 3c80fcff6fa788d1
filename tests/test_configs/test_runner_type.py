"""Every shipped config whose data loaders keep persistent workers builds
``WorkersAwareRunner``, so ``--cfg-options ...num_workers=0`` works with
the stock mmpretrain / mmdet tools (tests/test_tools/test_mim_tools.py runs
them)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS

from tests.helpers.tiny_config import ROOT

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(osp.sep))


def test_configs_found():
    assert len(CONFIGS) > 30


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_persistent_loaders_get_the_workers_aware_runner(path):
    cfg = Config.fromfile(path)
    persistent = [split for split in ('train', 'val', 'test')
                  if (cfg.get(f'{split}_dataloader') or {}).get(
                      'persistent_workers')]
    if not persistent:
        return
    from mmfashion_attr.engine import WorkersAwareRunner
    assert RUNNERS.get(cfg.get('runner_type', 'Runner')) is \
        WorkersAwareRunner, f'{persistent} loaders keep workers'
