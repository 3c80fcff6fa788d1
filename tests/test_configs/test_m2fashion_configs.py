"""The M2Fashion configs: the paper's build at 224 px; the CPU variant
trains and tests through tools/train.py and tools/test.py on a miniature
SynthFashion export, with and without given attribute types (the tools in
this process: a process each would add ~8 s of imports)."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmfashion_attr  # noqa: F401
from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import ROOT

CONFIGS = ['m2fashion_r50_deepfashion_c.py',
           'm2fashion_r50_deepfashion_c_wo_asa.py',
           'm2fashion_r50_deepfashion_c_wo_aca.py',
           'm2fashion_r50_deepfashion_c_aca_avg.py']


@pytest.mark.parametrize('name', CONFIGS)
def test_paper_configs_build(name):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'm2fashion', name))
    assert cfg.model.backbone.depth == 50 and cfg.image_size == 224
    assert cfg.optim_wrapper.optimizer.lr == 1e-5
    model = MODELS.build(cfg.model).eval()  # no weights are loaded here
    assert (model.spatial is None) == name.endswith('wo_asa.py')
    assert (model.channel is None) == name.endswith('wo_aca.py')
    if model.channel is not None:
        assert model.channel.pooling == (
            'avg' if name.endswith('aca_avg.py') else 'max')
    with torch.no_grad():
        cat, attr = model(torch.randn(1, 3, 224, 224))
    assert cat.shape == (1, 50) and attr.shape == (1, 1000)


@pytest.mark.parametrize('data', ['', '_correlated'])
@pytest.mark.parametrize('variant', ['', '_wo_asa', '_wo_aca', '_aca_avg'])
def test_cpu_variants(data, variant):
    """The CPU variants: the ablations and ACA's pooling on the default
    and the correlated SynthFashion export."""
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'm2fashion',
        f'm2fashion_r18_synthfashion{data}{variant}.py'))
    root = 'data/synthfashion_deepfashion_c' + data + '/'
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].dataset.data_root == root
    model = MODELS.build(cfg.model)
    assert (model.spatial is None) == (variant == '_wo_asa')
    assert (model.channel is None) == (variant == '_wo_aca')
    if model.channel is not None:
        assert model.channel.pooling == (
            'avg' if variant == '_aca_avg' else 'max')
    assert model.spatial is None or model.spatial.embed.unknown_state


def test_cpu_variant_trains_and_tests(tmp_path, monkeypatch):
    def run(args):
        """``python ARGS`` in this process; a failure raises."""
        assert run_in_process(args[0], args[1:], monkeypatch,
                              isolate=True) == 0, args

    from mmfashion_attr.datasets.synthfashion import generate
    data = tmp_path / 'data'
    generate(str(data), num_train=24, num_val=8, size=48, seed=0,
             num_test=8, deepfashion_c=True)
    config = osp.join('configs', 'm2fashion', 'm2fashion_r18_synthfashion.py')
    options = [f'{k}_dataloader.dataset.data_root={data}'
               for k in ('train', 'val', 'test')] + [
        'train_dataloader.batch_size=8', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'default_hooks.logger.interval=1']
    work = tmp_path / 'work'
    run(['tools/train.py', config, '--work-dir', str(work),
         '--cfg-options', *options])
    ckpt = (work / 'last_checkpoint').read_text().strip()
    for name, extra in (('none', []), ('given', [
            'test_dataloader.dataset.pipeline.2.known_types=[1,5]'])):
        run(['tools/test.py', config, ckpt, '--work-dir',
             str(tmp_path / name), '--cfg-options', *options, *extra])
    metrics = {}
    for name in ('none', 'given'):
        with open(sorted(glob.glob(str(tmp_path / name / '*' /
                                       '*.json')))[-1]) as f:
            metrics[name] = json.load(f)
    for m in metrics.values():
        assert {'accuracy/top1', 'accuracy/top5', 'attr/recall@3',
                'attr/part_recall@5'} <= set(m)
    # with texture and style given, those types are not ranked at all
    assert 'attr/texture_recall@3' in metrics['none']
    assert 'attr/texture_recall@3' not in metrics['given']

    # the demo CLI: a given attribute is not predicted again; names checked
    images = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))[:2]
    given = 'pattern solid'
    out = tmp_path / 'pred.jsonl'
    demo = ['demo/m2fashion_demo.py', *images, '--config', config,
            '--checkpoint', ckpt, '--known', f'{given}=1', '--topk', '3',
            '--out', str(out)]
    run(demo)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r['image'] for r in rows] == images
    for row in rows:
        assert row['given'] == {given: 1}
        assert len(row['category']) == 3 and len(row['attributes']) == 3
        assert given not in [name for name, _ in row['attributes']]
    with pytest.raises(KeyError, match='unknown attribute'):
        run(demo[:-6] + ['--known', 'pattern plaid stripes=1'])
