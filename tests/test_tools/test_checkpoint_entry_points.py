"""Every entry point that loads a trained model refuses a checkpoint whose
pickle would run code (the marker file never appears) and one that does not
fit its config (other shapes, another attribute schema); a checkpoint that
fits still loads everywhere."""
import json
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from tests.helpers.malicious import WritesMarker
from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config


@pytest.fixture(scope='module')
def files(synth_root, tmp_path_factory):
    """Tiny config, its checkpoint, one with a code-running pickle, one of
    other shapes and one of the same shapes on a schema with a renamed
    value; and the marker file."""
    from mmpretrain.apis import get_model

    import mmfashion_attr  # noqa: F401
    tmp = tmp_path_factory.mktemp('entry_points')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, epochs=1)
    torch.manual_seed(0)
    model = get_model(Config.fromfile(config))
    good = dict(state_dict=model.state_dict(), meta=dict(epoch=1, iter=3))
    paths = dict(config=config, marker=str(tmp / 'pwned'))
    paths['good'] = str(tmp / 'good.pth')
    torch.save(good, paths['good'])
    paths['evil'] = str(tmp / 'evil.pth')
    torch.save(dict(good, meta=dict(epoch=1, iter=3,
                                    note=WritesMarker(paths['marker']))),
               paths['evil'])
    other = Config.fromfile(config)
    other.model.head.hidden_dims = (8, )
    paths['other_shapes'] = str(tmp / 'other_shapes.pth')
    torch.save(dict(state_dict=get_model(other).state_dict()),
               paths['other_shapes'])
    with open(osp.join(synth_root, 'schema.json')) as f:
        schema = json.load(f)
    renamed = schema['attributes'][0]['values'][0]
    schema['attributes'][0]['values'][0] = 'renamed'
    for attr in schema['attributes']:  # keep its category restrictions
        vc = attr.get('value_categories', {})
        if renamed in vc and attr is schema['attributes'][0]:
            vc['renamed'] = vc.pop(renamed)
    (tmp / 'schema_renamed.json').write_text(json.dumps(schema))
    renamed_cfg = Config.fromfile(config)
    renamed_cfg.model.head.schema_file = str(tmp / 'schema_renamed.json')
    paths['other_schema'] = str(tmp / 'other_schema.pth')
    torch.save(dict(state_dict=get_model(renamed_cfg).state_dict()),
               paths['other_schema'])
    paths['renamed'] = re.escape(
        f"({schema['attributes'][0]['name']!r}) value 0 is 'renamed' in the "
        f"checkpoint, {renamed!r}")
    return paths


def _runner(files, tmp_path, **cfg):
    from mmengine.runner import Runner
    config = Config.fromfile(files['config'])
    config.merge_from_dict(dict(work_dir=str(tmp_path / 'work'), **cfg))
    return Runner.from_cfg(config)


LOADERS = {
    'resume': lambda f, p, ckpt: _runner(
        f, p, resume=True, load_from=ckpt).train(),
    'load_from': lambda f, p, ckpt: _runner(
        f, p, load_from=ckpt,
        train_cfg=dict(max_epochs=1, val_interval=1)).train(),
    'test': lambda f, p, ckpt: _runner(f, p, load_from=ckpt).test(),
    'inferencer': lambda f, p, ckpt: __import__(
        'mmfashion_attr.apis', fromlist=['x']).AttributeInferencer(
            f['config'], ckpt),
    'service': lambda f, p, ckpt: __import__(
        'mmfashion_attr.serving', fromlist=['x']).build_predictor(
            f['config'], ckpt),
    'export': lambda f, p, ckpt: __import__(
        'mmfashion_attr.apis', fromlist=['x']).init_trained_model(
            f['config'], ckpt),
}


@pytest.mark.parametrize('entry', sorted(LOADERS))
def test_in_process_entry_points(files, tmp_path, entry):
    import pickle

    from mmfashion_attr.utils import CheckpointMismatchError
    load = LOADERS[entry]
    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        load(files, tmp_path / 'evil', files['evil'])
    assert not osp.exists(files['marker'])
    with pytest.raises(CheckpointMismatchError,
                       match=r'head\.branches.*in the checkpoint'):
        load(files, tmp_path / 'shapes', files['other_shapes'])
    with pytest.raises(CheckpointMismatchError, match=files['renamed']):
        load(files, tmp_path / 'schema', files['other_schema'])
    if entry != 'resume':  # the good file holds no optimizer to resume
        load(files, tmp_path / 'good', files['good'])


def _fails(args, *expected):
    proc = run(args, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    for text in expected:
        assert text in out, out[-3000:]


def test_command_line_tools(files, tmp_path, synth_root):
    """The tools print the loaders' errors and stop; nothing is served,
    predicted or exported."""
    images = osp.join(synth_root, 'images', 'test')
    _fails(['tools/test.py', files['config'], files['evil'], '--work-dir',
            str(tmp_path / 'test')], 'refused by weights-only loading')
    _fails(['tools/infer_catalog.py', files['config'], files['evil'],
            '--images', images, '--out', str(tmp_path / 'infer'),
            '--workers', '0'], 'refused by weights-only loading')
    _fails(['tools/deployment/pytorch2onnx.py', files['config'],
            files['evil'], '--out', str(tmp_path / 'm.onnx')],
           'refused by weights-only loading')
    assert not osp.exists(files['marker'])
    assert not osp.exists(tmp_path / 'm.onnx')
    # issue 29's reproduction: a checkpoint of another model is not served
    _fails(['tools/serve.py', files['config'], files['other_shapes'],
            '--port', '0'], 'does not fit the model of',
           'head.branches.0.0.weight: (8, 240) in the checkpoint')
