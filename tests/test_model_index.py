"""The model index (model-index.yml, configs/*/metafile.yml) is what
tools/misc/make_model_index.py writes from the configs and the committed
results records, so neither can drift; its means and seed counts are
those of the records. ``mim search`` on an installed copy:
tests/test_packaging/test_wheel.py."""
import importlib.util
import json
import os.path as osp
import shutil

import pytest
import yaml

from tests.helpers.tiny_config import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location(
        'make_model_index', osp.join(ROOT, 'tools', 'misc',
                                     'make_model_index.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_model_index = _generator()


def test_committed_index_is_regenerated():
    stale = make_model_index.stale(ROOT)
    assert not stale, (
        f'{stale} differ from the configs and results records: run '
        'python tools/misc/make_model_index.py (and commit the files)')


def test_index_lists_every_config_in_mim_format():
    from mim.commands.search import convert2df
    from modelindex.load_model_index import load
    index = load(osp.join(ROOT, 'model-index.yml'))
    # modelindex reads README paths relative to the metafile; OpenMMLab's
    # (and mim's) are relative to the repository, as mmpretrain's
    errors = [e for e in index.check(silent=True) or []
              if 'README' not in str(e)]
    assert not errors
    frame = convert2df(index)
    configs = set(frame['config'])
    assert configs == set(make_model_index.list_configs(ROOT))
    for config in configs:
        assert osp.isfile(osp.join(ROOT, config))


def _root_with_demo(tmp_path):
    """A repository holding only the demo configs and their bases."""
    root = tmp_path / 'repo'
    shutil.copytree(osp.join(ROOT, 'configs', '_base_'),
                    root / 'configs' / '_base_')
    shutil.copy(osp.join(ROOT, 'configs', 'effv2m_fpn_cbam.py'),
                root / 'configs')
    shutil.copytree(osp.join(ROOT, 'configs', 'demo'),
                    root / 'configs' / 'demo',
                    ignore=shutil.ignore_patterns('results', '*.md'))
    return root


def _record(seed, f1, options=()):
    return dict(config='configs/demo/synthfashion_effv2atto_fpn_cbam.py',
                seed=seed, split='test', cfg_options=list(options),
                metrics={'attr/mean_f1_micro': f1,
                         'attr/mean_precision_micro': 0.5,
                         'attr/mean_recall_micro': 0.25,
                         'attr/color/f1_micro': f1 / 2})


def _write(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))


def test_results_are_means_over_seeds(tmp_path):
    root = _root_with_demo(tmp_path)
    options = ['train_cfg.max_epochs=2']
    _write(root / 'configs' / 'demo' / 'results' / 'runs.jsonl',
           [_record(s, f1, options + [f'randomness.seed={s}'])
            for s, f1 in ((0, 0.6), (1, 0.7), (2, 0.8))])
    files = make_model_index.build(str(root))
    assert list(files) == ['configs/metafile.yml',
                           'configs/demo/metafile.yml', 'model-index.yml']
    assert yaml.safe_load(files['model-index.yml'])['Import'] == \
        ['configs/metafile.yml', 'configs/demo/metafile.yml']
    demo = yaml.safe_load(files['configs/demo/metafile.yml'])
    assert demo['Collections'][0]['Paper']['URL'].startswith('https://')
    models = {m['Name']: m for m in demo['Models']}
    assert len(models) == 4  # one per config
    model = models['synthfashion_effv2atto_fpn_cbam']
    assert model['Config'] == \
        'configs/demo/synthfashion_effv2atto_fpn_cbam.py'
    meta = model['Metadata']
    assert meta['Epochs'] == 2 and meta['Config Options'] == options
    assert meta['Training Data'] == 'SynthFashion'
    assert {'ImageClassifier', 'EfficientNetV2Taps', 'ScaleAttnFPN',
            'CBAM'} <= set(meta['Architecture'])
    assert meta['Records'] == 'configs/demo/results/runs.jsonl'
    [result] = model['Results']
    assert result['Dataset'] == 'SynthFashion'
    assert result['Metrics'] == {
        'Mean F1 (micro)': 0.7, 'Mean Precision (micro)': 0.5,
        'Mean Recall (micro)': 0.25, 'color F1 (micro)': 0.35, 'Seeds': 3}
    assert 'Weights' not in model
    other = models['synthfashion_effv2b0_fpn_cbam']
    assert 'Results' not in other and other['Metadata']['Epochs'] == 8

    # written, they are current; a changed record makes the metafile stale
    for rel, text in files.items():
        (root / rel).write_text(text)
    assert make_model_index.stale(str(root)) == []
    _write(root / 'configs' / 'demo' / 'results' / 'runs.jsonl',
           [_record(0, 0.6, options)])
    assert make_model_index.stale(str(root)) == ['configs/demo/metafile.yml']


def test_records_files_split_models_and_bad_records_stop(tmp_path):
    root = _root_with_demo(tmp_path)
    results = root / 'configs' / 'demo' / 'results'
    _write(results / 'a.jsonl', [_record(0, 0.6)])
    _write(results / 'b.jsonl', [_record(0, 0.8)])
    # a record of a kind the index does not read: left out, and said
    _write(results / 'c.jsonl', [dict(_record(0, 0.8),
                                      metrics=dict(targets=[]))])
    skipped = []
    demo = yaml.safe_load(make_model_index.build(
        str(root), skipped)['configs/demo/metafile.yml'])
    names = [m['Name'] for m in demo['Models']]
    assert 'synthfashion_effv2atto_fpn_cbam_a' in names
    assert 'synthfashion_effv2atto_fpn_cbam_b' in names
    assert not any(n.endswith('_c') for n in names)
    assert skipped == [('configs/demo/results/c.jsonl',
                        'configs/demo/synthfashion_effv2atto_fpn_cbam.py')]

    _write(results / 'b.jsonl', [dict(_record(0, 0.8),
                                      config='configs/demo/gone.py')])
    with pytest.raises(ValueError, match='gone.py, which is not a config'):
        make_model_index.build(str(root))
    _write(results / 'b.jsonl', [_record(0, 0.8), _record(0, 0.9)])
    with pytest.raises(ValueError, match='recorded twice'):
        make_model_index.build(str(root))
