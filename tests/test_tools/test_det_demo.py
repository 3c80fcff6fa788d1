"""Attributes where mmdet users look, on an untrained tiny Attribute Mask
R-CNN (CPU variant, random init) and a few 64 px SynthFashion images:
AttributeDetInferencer's prediction dicts keep attr_scores and names;
demo/det_demo.py --ann --out writes what eval_fashionpedia.py reads (ids
from the annotation file; an image it lacks is an error naming it);
tools/test.py --show-dir draws through the configs' visualizer."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmfashion_attr  # noqa: F401
from tests.helpers.run_tool import run
from tests.helpers.tiny_config import ROOT

CONFIG = osp.join(ROOT, 'configs', 'attr_mask_rcnn',
                  'attr-mask-rcnn_r18_fpn_synthfashion.py')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """(data root, checkpoint of the initial model with the dataset's
    meta, --cfg-options pointing the config at the data)."""
    from mmfashion_attr.datasets.synthfashion import generate
    tmp = tmp_path_factory.mktemp('det_demo')
    data = tmp / 'data'
    generate(str(data), num_train=2, num_val=2, size=64, seed=0,
             num_test=3, instances=True)
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        ds = cfg.test_dataloader.dataset
        ds.update(data_root=str(data))
        meta = DATASETS.build(ds).metainfo
    ckpt = tmp / 'init.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=meta)), ckpt)
    options = [f'test_dataloader.dataset.data_root={data}',
               'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False',
               f'test_evaluator.ann_file={data}/instances_test.json']
    return data, str(ckpt), options


def test_inferencer_keeps_attributes(tiny):
    from mmfashion_attr.apis import AttributeDetInferencer
    data, ckpt, _ = tiny
    inferencer = AttributeDetInferencer(CONFIG, ckpt, device='cpu',
                                        attr_thr=0.0, show_progress=False)
    image = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))[0]
    pred, = inferencer(image)['predictions']
    names = inferencer.model.dataset_meta['attributes']
    assert len(pred['attr_scores']) == len(pred['labels']) > 0
    assert len(pred['attr_scores'][0]) == len(names) == 36
    # attr_thr 0: every name, best first
    best = max(range(36), key=lambda i: pred['attr_scores'][0][i])
    assert pred['attributes'][0][0] == names[best]
    assert sorted(pred['attributes'][0]) == sorted(names)


def test_inferencer_refuses_bad_checkpoints(tiny, tmp_path):
    """A pickle that would run code, and weights of another model."""
    import pickle

    from mmfashion_attr.apis import AttributeDetInferencer
    from mmfashion_attr.utils import CheckpointMismatchError
    from tests.helpers.malicious import WritesMarker
    _, ckpt, _ = tiny
    good = torch.load(ckpt, weights_only=True)
    marker = tmp_path / 'pwned'
    torch.save(dict(good, note=WritesMarker(marker)), tmp_path / 'evil.pth')
    with pytest.raises(pickle.UnpicklingError, match='weights-only'):
        AttributeDetInferencer(CONFIG, str(tmp_path / 'evil.pth'))
    assert not marker.exists()
    weights = good['state_dict']
    key = next(k for k in weights if k.startswith('roi_head.attr_head'))
    weights[key] = weights[key][:1]
    torch.save(good, tmp_path / 'other.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=f'other.pth does not fit .*{key}'):
        AttributeDetInferencer(CONFIG, str(tmp_path / 'other.pth'))


def test_inferencer_takes_attr_categories_from_checkpoint(tiny, tmp_path):
    """The checkpoint's dataset_meta decides which classes get attributes
    (its ids mapped to class indices), without the dataset; a config
    naming other class indices is an error."""
    from mmfashion_attr.apis import AttributeDetInferencer
    data, ckpt, _ = tiny
    saved = torch.load(ckpt, weights_only=False)
    meta = saved['meta']['dataset_meta']
    assert list(meta['category_ids']) != list(range(6))  # gapped ids
    meta['attr_category_ids'] = (meta['category_ids'][3],
                                 meta['category_ids'][1])
    subset = tmp_path / 'subset.pth'
    torch.save(saved, subset)
    inferencer = AttributeDetInferencer(CONFIG, str(subset), device='cpu',
                                        show_progress=False)
    assert inferencer.model.roi_head.attr_categories == [1, 3]
    image = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))[0]
    pred, = inferencer(image)['predictions']
    zero = [not any(row) for row in pred['attr_scores']]
    assert zero == [label not in (1, 3) for label in pred['labels']]
    assert any(zero) and not all(zero)  # both kinds detected
    cfg = Config.fromfile(CONFIG)
    cfg.model.roi_head.attr_categories = [0, 1]
    with pytest.raises(ValueError, match=r'attr_categories \[0, 1\].*'
                       r"subset.pth's dataset_meta.*\[1, 3\]"):
        AttributeDetInferencer(cfg, str(subset), device='cpu',
                               show_progress=False)


def test_det_demo_results_evaluate(tiny, tmp_path):
    data, ckpt, _ = tiny
    images = sorted(glob.glob(str(data / 'images' / 'test' / '*.jpg')))
    listing = tmp_path / 'images.txt'
    listing.write_text('\n'.join(images))
    ann = data / 'instances_test.json'
    out = tmp_path / 'dets.json'
    run(['demo/det_demo.py', str(listing), CONFIG, ckpt, '--ann', str(ann),
         '--out', str(out), '--show-dir', str(tmp_path / 'show'),
         '--score-thr', '0.0', '--attr-thr', '0.3'])
    dets = json.loads(out.read_text())
    coco = json.loads(ann.read_text())
    by_name = {osp.basename(im['file_name']): im['id']
               for im in coco['images']}
    assert dets and {'segmentation', 'bbox', 'category', 'attributes',
                     'attribute_scores', 'file_name'} <= set(dets[0])
    assert all(d['image_id'] == by_name[d['file_name']] for d in dets)
    assert len(glob.glob(str(tmp_path / 'show' / '*.jpg'))) == len(images)
    summary = tmp_path / 'summary.json'
    run(['tools/analysis_tools/eval_fashionpedia.py', str(ann), str(out),
         '--attr-categories', 'all', '--out-json', str(summary)])
    numbers = json.loads(summary.read_text())
    assert numbers and all(-1 <= v <= 1 for v in numbers.values()
                           if isinstance(v, float))
    # an image the annotation file lacks
    stray = tmp_path / 'stray.jpg'
    stray.write_bytes(open(images[0], 'rb').read())
    proc = run(['demo/det_demo.py', str(stray), CONFIG, ckpt, '--ann',
                str(ann), '--out', str(out)], check=False)
    assert proc.returncode != 0
    assert "stray.jpg: no images named 'stray.jpg'" in proc.stderr


def test_test_py_show_dir_draws(tiny, tmp_path):
    _, ckpt, options = tiny
    proc = run(['tools/test.py', CONFIG, ckpt, '--work-dir', str(tmp_path),
                '--show-dir', str(tmp_path / 'show'), '--cfg-options',
                *options])
    assert len(glob.glob(str(tmp_path / 'show' / '*.jpg'))) == 3
    # the config's AttrCategoriesHook gave the head the test set's
    # categories with attributes
    assert 'no dataset meta given' not in proc.stdout + proc.stderr
