"""A garment detector in AttributeInferencer and infer_catalog: each
result says garment true / review / false, decided on the same pass's
features as the detector decides them on its own."""
import csv
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmfashion_attr.analysis import garment_ood as g
from mmfashion_attr.apis import AttributeInferencer
from mmfashion_attr.apis.catalog_inference import infer_catalog
from mmfashion_attr.apis.catalog_output import merge_outputs
from mmfashion_attr.errors import UserValueError
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('garment_decisions')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, size=32)
    checkpoint = save_tiny_checkpoint(config, tmp / 'tiny.pth')
    inferencer = AttributeInferencer(config, checkpoint)
    cfg = Config.fromfile(config)
    detector = g.fit_detector(inferencer.model, cfg)
    detector.save(str(tmp / 'det.npz'))
    images = sorted(glob.glob(osp.join(synth_root, 'images', 'test', '*')))
    return dict(tmp=tmp, config=config, checkpoint=checkpoint, cfg=cfg,
                detector=detector, images=images)


def expected(tiny, score='combined'):
    model = AttributeInferencer(tiny['config'], tiny['checkpoint']).model
    out = g.image_outputs(model, g.test_pipeline(tiny['cfg']),
                          tiny['images'])
    return tiny['detector'].decide(out['features'], out['category_logits'],
                                   score)


@pytest.mark.parametrize('score', ['combined', 'knn'])
def test_inferencer_results_carry_the_detectors_decision(tiny, score):
    inferencer = AttributeInferencer(
        tiny['config'], tiny['checkpoint'],
        garment_detector=str(tiny['tmp'] / 'det.npz'), garment_score=score)
    results = inferencer(tiny['images'], batch_size=3)
    want = expected(tiny, score)
    assert [r['garment'] for r in results] == [w['garment'] for w in want]
    np.testing.assert_allclose([r['garment_score'] for r in results],
                               [w['garment_score'] for w in want],
                               atol=1e-4)
    # the attributes are those of a run without a detector
    plain = AttributeInferencer(tiny['config'], tiny['checkpoint'])(
        tiny['images'], batch_size=3)
    assert [r['scores'] for r in results] == [r['scores'] for r in plain]
    assert 'garment' not in plain[0]


def test_infer_catalog_writes_garment_fields(tiny):
    inferencer = AttributeInferencer(
        tiny['config'], tiny['checkpoint'],
        garment_detector=str(tiny['tmp'] / 'det.npz'))
    out = tiny['tmp'] / 'catalog'
    infer_catalog(inferencer, tiny['images'], str(out), batch_size=4,
                  num_workers=0)
    lines = [json.loads(x) for p in sorted(glob.glob(str(out / 'part-*')))
             for x in open(p)]
    by_image = {osp.basename(x['image']): x for x in lines}
    want = expected(tiny)
    for path, w in zip(tiny['images'], want):
        assert by_image[osp.basename(path)]['garment'] == w['garment']
    merge_outputs(str(out), str(tiny['tmp'] / 'merged.csv'))
    with open(tiny['tmp'] / 'merged.csv') as f:
        rows = list(csv.DictReader(f))
    assert {r['garment'] for r in rows} <= {'true', 'review', 'false'}
    text = {True: 'true', 'review': 'review', False: 'false'}
    assert sorted(r['garment'] for r in rows) == sorted(
        text[w['garment']] for w in want)


def test_a_detector_that_does_not_fit_is_refused(tiny):
    tmp = tiny['tmp']
    with pytest.raises(UserValueError, match='pytorch backend'):
        AttributeInferencer(tiny['config'], str(tmp / 'x.onnx'),
                            backend='onnxruntime',
                            garment_detector=str(tmp / 'det.npz'))
    with pytest.raises(UserValueError, match="garment score 'nope'"):
        AttributeInferencer(tiny['config'], tiny['checkpoint'],
                            garment_detector=str(tmp / 'det.npz'),
                            garment_score='nope')
    det = tiny['detector']
    other = g.GarmentDetector(det.means[:4], det.precision, det.bank,
                              det.k, det.standardise, det.thresholds)
    other.save(str(tmp / 'other.npz'))
    with pytest.raises(UserValueError, match='4 categories; this model '
                       'has 6'):
        AttributeInferencer(tiny['config'], tiny['checkpoint'],
                            garment_detector=str(tmp / 'other.npz'))
    torch.manual_seed(0)


def test_the_service_answers_the_same_garment_decisions(tiny):
    pytest.importorskip('fastapi')
    requests = pytest.importorskip('requests')
    from mmfashion_attr.serving import ServeLimits, build_predictor, create_app
    from tests.helpers.http_server import serving
    det = str(tiny['tmp'] / 'det.npz')
    predictor = build_predictor(tiny['config'], tiny['checkpoint'],
                                garment_detector=det)
    app = create_app(predictor, ServeLimits(max_images=8), max_batch=8,
                     max_wait_ms=200)
    paths = tiny['images'][:5]
    with serving(app) as url:
        answer = requests.post(url + '/v1/attributes', files=[
            ('images', (osp.basename(p), open(p, 'rb').read(), 'image/jpeg'))
            for p in paths], timeout=60)
        schema = requests.get(url + '/v1/schema', timeout=10).json()
    assert answer.status_code == 200, answer.text
    want = expected(tiny)[:5]
    got = answer.json()['images']
    assert [r['garment'] for r in got] == [w['garment'] for w in want]
    np.testing.assert_allclose([r['garment_score'] for r in got],
                               [w['garment_score'] for w in want], atol=1e-4)
    assert schema['garment_detector']['score'] == 'combined'
    assert schema['garment_detector']['threshold'] == \
        tiny['detector'].thresholds['combined']['threshold']
    with pytest.raises(UserValueError, match='pytorch backend'):
        build_predictor(tiny['config'], str(tiny['tmp'] / 'x.onnx'),
                        backend='onnxruntime', garment_detector=det)
