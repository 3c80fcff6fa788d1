"""tools/analysis_tools/eval_metric.py: a tools/test.py --out dump scored
again without the model gives the metrics tools/test.py printed; the
Fashionpedia detector's dump is scored with FashionpediaMetric in mmdet's
scope."""
import glob
import json
import pickle
import re

import numpy as np
import pytest
import torch

from tests.helpers.in_process_tool import run_in_process
from tests.helpers.run_tool import run
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

TOOL = 'tools/analysis_tools/eval_metric.py'
EVALUATOR = 'test_evaluator.items=[macro,map,per_value]'


def logged_metrics(log: str) -> dict:
    """key -> printed value of the runner's ``Epoch(test)`` metrics line."""
    line = [li for li in log.splitlines()
            if 'Epoch(test)' in li and 'attr/mean_f1_micro' in li][-1]
    items = dict(re.findall(r'(\S+): (\S+)', line.split('Epoch(test)')[1]))
    return {k: v for k, v in items.items() if k.startswith('attr/')}


def printed_metrics(out: str) -> dict:
    return dict(line.split(': ', 1) for line in out.splitlines()
                if line.startswith('attr/'))


@pytest.fixture(scope='module')
def tested(synth_root, tmp_path_factory):
    """tools/test.py --out on the tiny model, thresholds 0.3 and every
    AttributeF1 item: the dump, the printed metrics, the logged JSON."""
    tmp = tmp_path_factory.mktemp('eval_metric')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'tiny.pth')
    pkl = tmp / 'preds.pkl'
    proc = run(['tools/test.py', config, ckpt, '--work-dir', str(tmp / 'w'),
                '--out', str(pkl), '--cfg-options', EVALUATOR,
                'test_evaluator.thresholds=0.3'])
    with open(glob.glob(str(tmp / 'w' / '*' / '*.json'))[0]) as f:
        logged_json = json.load(f)
    return dict(config=config, pkl=pkl, tmp=tmp, json=logged_json,
                printed=logged_metrics(proc.stdout + proc.stderr))


def test_same_metrics_as_test_tool(tested, monkeypatch, capsys):
    out = tested['tmp'] / 'metrics.json'
    assert run_in_process(TOOL, [
        tested['config'], tested['pkl'], '--thresholds', '0.3',
        '--cfg-options', EVALUATOR, '--out', out], monkeypatch) == 0
    printed = printed_metrics(capsys.readouterr().out)
    # every metric, as tools/test.py printed it (4 decimals)
    assert len(tested['printed']) > 9 * 6 and printed == tested['printed']
    # and at full precision, as its runner logged them
    metrics = json.loads(out.read_text())
    floats = {k: v for k, v in tested['json'].items()
              if k.startswith('attr/') and v is not None}
    assert {k: metrics[k] for k in floats} == floats
    assert 'attr/color/mAP' in metrics and 'attr/color/f1/red' in metrics
    # not all zero: the comparison means something
    assert 0 < metrics['attr/mean_f1_micro'] < 1


def test_thresholds_reach_attribute_f1(tested, monkeypatch, capsys):
    """Without --thresholds, the config's 0.5: the multi-label figures
    differ from tools/test.py's at 0.3, the single-label ones do not."""
    assert run_in_process(TOOL, [tested['config'], tested['pkl'],
                                 '--metric', 'type=AttributeF1'],
                          monkeypatch) == 0
    printed = printed_metrics(capsys.readouterr().out)
    at_03 = tested['printed']
    assert printed['attr/category/f1_micro'] == \
        at_03['attr/category/f1_micro']
    assert printed['attr/color/f1_micro'] != at_03['attr/color/f1_micro']
    assert 'attr/color/mAP' not in printed  # --metric replaced the items


@pytest.mark.parametrize('args, words', [
    (['--metric', 'type=NoSuchMetric'], 'NoSuchMetric is not in'),
    (['--metric', 'items=macro'], 'no type=...'),
    (['--metric', 'type=AttributeTopKRecall', '--thresholds', '0.3'],
     '--thresholds is for AttributeF1'),
])
def test_user_errors(tested, monkeypatch, capsys, args, words):
    status = run_in_process(TOOL, [tested['config'], tested['pkl'], *args],
                            monkeypatch)
    err = capsys.readouterr().err
    assert status == 2 and words in err and 'Traceback' not in err, err


def test_metrics_dump_is_not_predictions(tested, monkeypatch, capsys):
    metrics = tested['tmp'] / 'metrics.pkl'
    with open(metrics, 'wb') as f:
        pickle.dump({'attr/mean_f1_micro': 0.5}, f)
    assert run_in_process(TOOL, [tested['config'], metrics],
                          monkeypatch) == 2
    assert 'without --out-item metrics' in capsys.readouterr().err


DETECTOR = 'configs/attr_mask_rcnn/attr-mask-rcnn_r18_fpn_synthfashion.py'


def detector_dump(tmp_path, garments_per_image):
    """SynthFashion instances (3 test images) with only the first
    ``garments_per_image`` garments of each image annotated, and a
    hand-made dump of the detector finding each exactly with its
    attributes, but for the first garment's, all missed. Returns the
    dump and the --cfg-options pointing the config at the data."""
    from mmengine.config import Config
    from pycocotools.coco import COCO

    from mmfashion_attr.analysis.dumped_predictions import dataset_meta
    from mmfashion_attr.datasets.synthfashion import generate
    data = tmp_path / 'data'
    generate(str(data), num_train=0, num_val=0, size=64, seed=0,
             num_test=3, instances=True)
    gt = json.loads((data / 'instances_test.json').read_text())
    kept = {}
    for a in gt['annotations']:
        kept.setdefault(a['image_id'], [])
        if len(kept[a['image_id']]) < garments_per_image:
            kept[a['image_id']].append(a)
    gt['annotations'] = [a for anns in kept.values() for a in anns]
    ann = data / 'instances_kept.json'
    ann.write_text(json.dumps(gt))
    options = [f'test_dataloader.dataset.data_root={data}',
               f'test_dataloader.dataset.ann_file={ann}',
               f'test_evaluator.ann_file={ann}']
    cfg = Config.fromfile(DETECTOR)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in options))
    meta = dataset_meta(cfg, full_init=True)
    coco = COCO(str(ann))
    preds = []
    for img_id in coco.getImgIds():
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
        attrs = np.zeros((len(anns), len(meta['attribute_ids'])), np.float32)
        for i, a in enumerate(anns):
            attrs[i, [meta['attribute_ids'].index(t)
                      for t in a['attribute_ids']]] = 0.9
        preds.append(dict(img_id=img_id, pred_instances=dict(
            bboxes=torch.tensor([[x, y, x + w, y + h] for x, y, w, h in
                                 (a['bbox'] for a in anns)]),
            scores=torch.ones(len(anns)),
            labels=torch.tensor([meta['category_ids'].index(a['category_id'])
                                 for a in anns]),
            masks=torch.from_numpy(np.stack(
                [coco.annToMask(a) for a in anns]).astype(bool)),
            attr_scores=torch.from_numpy(attrs))))
    assert preds[0]['pred_instances']['attr_scores'][0].max() > 0
    preds[0]['pred_instances']['attr_scores'][0] = 0
    pkl = tmp_path / 'det.pkl'
    with open(pkl, 'wb') as f:
        pickle.dump(preds, f)
    return pkl, options


def evaluate_detector_dump(tmp_path, monkeypatch, capsys, garments):
    pkl, options = detector_dump(tmp_path, garments)
    out = tmp_path / 'metrics.json'
    status = run_in_process(TOOL, [DETECTOR, pkl, '--out', out,
                                   '--cfg-options', *options], monkeypatch)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(out.read_text()), captured.out


def test_detector_dump_with_fashionpedia_metric(tmp_path, monkeypatch,
                                                capsys):
    """The Attribute Mask R-CNN config's FashionpediaMetric (mmdet's
    scope, the instance dataset's category and attribute ids): one garment
    per image, each found exactly, one with its attributes missed: AP 1
    with IoU alone, attribute F1 below 1."""
    metrics, out = evaluate_detector_dump(tmp_path, monkeypatch, capsys, 1)
    for kind in ('bbox', 'segm'):
        assert metrics[f'fashionpedia/{kind}_iou_AP'] == pytest.approx(1.0)
        assert 0 < metrics[f'fashionpedia/{kind}_attr_f1'] < 1
    assert 'fashionpedia/segm_iou_AP: 1.0000' in out


def test_detector_dump_two_garments_per_image(tmp_path, monkeypatch,
                                              capsys):
    metrics, _ = evaluate_detector_dump(tmp_path, monkeypatch, capsys, 2)
    assert metrics['fashionpedia/bbox_iou_AP'] == pytest.approx(1.0)
