"""A dataset whose schema differs from model.head's stops the run before
the first iteration, naming both schema files and the first difference (a
child config that changed only the dataset's schema_file once trained a
whole epoch on shifted columns)."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from tests.helpers.tiny_config import write_tiny_config


def test_dataset_schema_other_than_the_heads_is_refused(synth_root,
                                                        tmp_path):
    with open(osp.join(synth_root, 'schema.json')) as f:
        schema = json.load(f)
    colour = next(a for a in schema['attributes'] if a['name'] == 'color')
    colour['values'].append('teal')
    other = tmp_path / 'schema_teal.json'
    other.write_text(json.dumps(schema))
    cfg = Config.fromfile(write_tiny_config(tmp_path / 'tiny.py',
                                            synth_root, epochs=1))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.schema_file = str(other)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    steps = []
    runner.train_loop.run_iter = lambda *a: steps.append(a)
    with pytest.raises(ValueError) as e:
        runner.train()
    assert not steps  # before the first iteration
    message = str(e.value)
    for words in (f"task 1 ('color') has {len(colour['values']) - 1} "
                  'values in model.head (', osp.join(synth_root,
                                                     'schema.json'),
                  f"{len(colour['values'])} in train_dataloader's "
                  f'CatalogAttrDataset ({other})'):
        assert words in message, message
    with pytest.raises(ValueError, match='the test dataset'):
        Runner.from_cfg(cfg).test()
