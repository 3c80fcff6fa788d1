"""The HTTP service over a real socket (uvicorn on 127.0.0.1 in a thread):
the inferencer's results, every refused input a 4xx with the service still
serving, concurrent clients each getting their own image's answer, a model
error failing only its own request, M2Fashion's known attributes."""
import base64
import hashlib
import io
import os.path as osp
import threading

import numpy as np
import pytest
import torch

from tests.helpers.http_server import serving
from tests.helpers.tiny_config import ROOT, write_tiny_config

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
requests = pytest.importorskip('requests')


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    """A tiny attribute model's config, checkpoint, predictor and the test
    images (paths)."""
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.serving import build_predictor
    tmp = tmp_path_factory.mktemp('serve')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    torch.manual_seed(0)
    model = get_model(Config.fromfile(config))
    model.init_weights()
    with torch.no_grad():  # images' scores then differ by > 5e-3, not 3e-4:
        for branch in model.head.branches:  # a mix-up cannot pass at 2e-4
            branch[-1].weight.mul_(20)
    ckpt = str(tmp / 'weights.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    paths = sorted(osp.join(synth_root, 'images', 'test', f)
                   for f in ('000000.jpg', '000001.jpg', '000002.jpg',
                             '000003.jpg', '000004.jpg', '000005.jpg',
                             '000006.jpg'))
    return dict(config=config, ckpt=ckpt, paths=paths,
                predictor=build_predictor(config, ckpt))


def files(paths):
    return [('images', (osp.basename(p), open(p, 'rb').read(),
                        'image/jpeg')) for p in paths]


def check_same(answer, ref, tasks, thresholds):
    """One image of the service's answer against the inferencer's result."""
    from mmfashion_attr.evaluation.thresholds import threshold_for
    assert set(answer['attributes']) == set(ref['attributes'])
    for task in tasks:
        got = answer['attributes'][task['name']]
        assert got['values'] == ref['attributes'][task['name']]
        assert got['scores'] == ref['scores'][task['name']]
        assert got['threshold'] == (threshold_for(thresholds, task['name'])
                                    if task['multi_label'] else None)


def test_results_equal_the_inferencer(tiny):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.serving import ServeLimits, create_app
    paths = tiny['paths']
    inferencer = AttributeInferencer(tiny['config'], tiny['ckpt'])
    # one batch of 7 both ways: the same model call, so exactly equal
    refs = inferencer(paths, batch_size=len(paths), num_workers=0)
    app = create_app(tiny['predictor'], ServeLimits(max_images=8),
                     max_batch=8, max_wait_ms=200)
    with serving(app) as url:
        multipart = requests.post(url + '/v1/attributes',
                                  files=files(paths), timeout=60)
        assert multipart.status_code == 200, multipart.text
        as_json = requests.post(url + '/v1/attributes', json=dict(images=[
            dict(name=osp.basename(p),
                 data=base64.b64encode(open(p, 'rb').read()).decode())
            for p in paths]), timeout=60)
        assert as_json.status_code == 200, as_json.text
        schema = requests.get(url + '/v1/schema', timeout=10).json()
        health = requests.get(url + '/healthz', timeout=10).json()
    assert multipart.json() == as_json.json()
    body = multipart.json()
    assert body['model'] == 'tiny.py'
    assert [im['name'] for im in body['images']] == \
        [osp.basename(p) for p in paths]
    for answer, ref in zip(body['images'], refs):
        check_same(answer, ref, inferencer.tasks, inferencer.thresholds)
    assert any(ref['attributes'][t['name']] for ref in refs
               for t in inferencer.tasks)  # something was predicted
    # schema: tasks, values, thresholds, config name, checkpoint hash
    assert schema['model'] == 'tiny.py' and schema['takes_known'] is False
    assert schema['checkpoint_sha256'] == hashlib.sha256(
        open(tiny['ckpt'], 'rb').read()).hexdigest()
    assert [(t['name'], t['values']) for t in schema['tasks']] == \
        [(t['name'], t['classes']) for t in inferencer.tasks]
    assert schema['limits']['max_images'] == 8
    assert health['status'] == 'ok'
    assert health['batch_sizes'] == {'7': 2}  # one model call per request


def png_bytes(width, height):
    from PIL import Image
    buf = io.BytesIO()
    Image.new('RGB', (width, height), 'white').save(buf, 'PNG')
    return buf.getvalue()


def test_bad_inputs_are_4xx_and_the_service_keeps_serving(tiny):
    from mmfashion_attr.serving import ServeLimits, create_app
    good = open(tiny['paths'][0], 'rb').read()
    limits = ServeLimits(max_images=3, max_image_bytes=200_000,
                         max_image_pixels=1_000_000)
    cases = {  # name -> (file bytes, status, code)
        'notes.txt': (b'not an image at all', 400, 'not_an_image'),
        'cut.jpg': (good[:len(good) // 2], 400, 'undecodable_image'),
        'empty.jpg': (b'', 400, 'empty_image'),
        'huge.jpg': (good + b'\0' * 200_000, 413, 'image_too_large'),
        'wide.png': (png_bytes(2000, 1000), 413, 'too_many_pixels'),
    }
    app = create_app(tiny['predictor'], limits, max_batch=4, max_wait_ms=5)
    with serving(app) as url:
        post = url + '/v1/attributes'
        for name, (content, status, code) in cases.items():
            r = requests.post(post, files=[('images', (name, content))],
                              timeout=30)
            assert r.status_code == status, (name, r.text)
            assert r.json()['error']['code'] == code, (name, r.text)
            assert r.json()['error']['image'] == name
            assert name in r.json()['error']['message']
        # a bad image among good ones: the request is refused, naming it
        r = requests.post(post, files=[('images', ('a.jpg', good)),
                                       ('images', ('notes.txt', b'x'))])
        assert (r.status_code, r.json()['error']['image']) == \
            (400, 'notes.txt')
        r = requests.post(post, files=[('images', (f'{i}.jpg', good))
                                       for i in range(4)])
        assert (r.status_code, r.json()['error']['code']) == \
            (413, 'too_many_images')
        r = requests.post(post, json=dict(images=['x'] * 4))
        assert (r.status_code, r.json()['error']['code']) == \
            (413, 'too_many_images')
        r = requests.post(post, files=[('images', ('a.jpg', good))],
                          data=dict(known='{"sleeve_length": "long"}'))
        assert (r.status_code, r.json()['error']['code']) == \
            (400, 'known_not_supported')
        assert 'takes no known attributes' in r.json()['error']['message']
        r = requests.post(post, json=dict(images=['%%%not base64']))
        assert (r.status_code, r.json()['error']['code']) == \
            (400, 'bad_base64')
        assert r.json()['error']['message'].startswith(
            'images[0] is not valid base64')
        r = requests.post(post, json=dict(images=[]))
        assert (r.status_code, r.json()['error']['code']) == (400,
                                                              'no_images')
        r = requests.post(post, data=b'{"images": [', headers={
            'content-type': 'application/json'})
        assert (r.status_code, r.json()['error']['code']) == (400,
                                                              'bad_json')
        r = requests.post(post, data=good, headers={
            'content-type': 'image/jpeg'})
        assert (r.status_code, r.json()['error']['code']) == \
            (415, 'unsupported_media_type')
        # still serving, and none of the refused images reached the model
        r = requests.post(post, files=[('images', ('a.jpg', good))])
        assert r.status_code == 200, r.text
        health = requests.get(url + '/healthz').json()
        assert health['model_calls'] == 1


def test_concurrent_clients_get_their_own_images(tiny):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.serving import create_app
    paths = tiny['paths']
    inferencer = AttributeInferencer(tiny['config'], tiny['ckpt'])
    refs = {osp.basename(r['img_path']): r for r in inferencer(
        paths, num_workers=0)}
    answers, errors = {}, []
    start = threading.Barrier(len(paths))

    def client(path):
        try:
            start.wait()
            for round_ in range(2):
                r = requests.post(url + '/v1/attributes', files=files(
                    [path]), timeout=60)
                assert r.status_code == 200, r.text
                answers[(osp.basename(path), round_)] = r.json()['images']
        except Exception as e:  # noqa: BLE001 (reported by the test)
            errors.append(e)

    app = create_app(tiny['predictor'], max_batch=8, max_wait_ms=100)
    with serving(app) as url:
        threads = [threading.Thread(target=client, args=(p, ))
                   for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        health = requests.get(url + '/healthz').json()
    assert not errors, errors
    assert len(answers) == 2 * len(paths)
    for (name, _), images in answers.items():
        assert [im['name'] for im in images] == [name]
        for task in inferencer.tasks:  # batch sizes differ: scores to 2e-4
            got = images[0]['attributes'][task['name']]
            ref = refs[name]
            assert [v['value'] for v in got['values']] == \
                [v['value'] for v in ref['attributes'][task['name']]]
            np.testing.assert_allclose(
                list(got['scores'].values()),
                list(ref['scores'][task['name']].values()), atol=2e-4)
    # the images of different clients shared model calls
    assert max(int(k) for k in health['batch_sizes']) > 1, health


class FailsOnPoison:
    """A predictor whose model raises on a batch holding 'poison.jpg'."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, items):
        if any(packed['data_samples'].img_path == 'poison.jpg'
               for packed, _ in items):
            raise RuntimeError('the model failed')
        return self.inner.predict(items)


def test_a_model_error_fails_only_its_own_request(tiny):
    from mmfashion_attr.serving import create_app
    paths = tiny['paths'][:3]
    results = {}
    start = threading.Barrier(4)

    def client(name, content):
        start.wait()
        results[name] = requests.post(url + '/v1/attributes', files=[(
            'images', (name, content))], timeout=60)

    # 4 requests, one batch of 4 (it closes when full; 2 s to fill up)
    app = create_app(FailsOnPoison(tiny['predictor']), max_batch=4,
                     max_wait_ms=2000)
    uploads = [(osp.basename(p), open(p, 'rb').read()) for p in paths]
    uploads.append(('poison.jpg', uploads[0][1]))
    with serving(app) as url:
        threads = [threading.Thread(target=client, args=u) for u in uploads]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        health = requests.get(url + '/healthz').json()
    poisoned = results.pop('poison.jpg')
    assert poisoned.status_code == 500
    assert poisoned.headers['connection'] == 'close'
    assert poisoned.json()['error'] == dict(
        code='model_error', image='poison.jpg',
        message='RuntimeError: the model failed')
    for name, r in results.items():
        assert r.status_code == 200, r.text
        assert r.json()['images'][0]['name'] == name
    # the failed batch of 4 was run again image by image
    assert health['batch_sizes'] == {'1': 4}


@pytest.fixture(scope='module')
def m2fashion(tmp_path_factory):
    """A tiny M2Fashion checkpoint (ResNet-18, random weights) with the
    attribute names of a miniature DeepFashion-C export."""
    from mmengine.config import Config
    from mmpretrain.apis import get_model
    from mmpretrain.registry import DATASETS

    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.datasets.synthfashion import generate
    tmp = tmp_path_factory.mktemp('m2f')
    data = tmp / 'data'
    generate(str(data), num_train=4, num_val=2, size=48, seed=0,
             num_test=3, deepfashion_c=True)
    config = tmp / 'm2f.py'
    base = osp.join(ROOT, 'configs', 'm2fashion',
                    'm2fashion_r18_synthfashion.py')
    config.write_text(
        f'_base_ = {base!r}\n' + ''.join(
            f"{k}_dataloader = dict(dataset=dict(data_root={str(data)!r}))\n"
            for k in ('train', 'val', 'test')))
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    ckpt = str(tmp / 'm2f.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(dataset.metainfo))), ckpt)
    images = [dataset.get_data_info(i)['img_path'] for i in range(2)]
    return str(config), ckpt, images


def test_m2fashion_known_attributes(m2fashion):
    from mmfashion_attr.apis import M2FashionInferencer
    from mmfashion_attr.serving import build_predictor, create_app
    config, ckpt, images = m2fashion
    inferencer = M2FashionInferencer(config, ckpt)
    given = inferencer.attributes[0]
    known = [{given: 1}, None]
    refs = inferencer(images, known=known, topk=3)
    app = create_app(build_predictor(config, ckpt, topk=3), max_batch=2,
                     max_wait_ms=200)
    with serving(app) as url:
        post = url + '/v1/attributes'
        r = requests.post(post, json=dict(known=known, images=[
            base64.b64encode(open(p, 'rb').read()).decode()
            for p in images]))
        assert r.status_code == 200, r.text
        for answer, ref in zip(r.json()['images'], refs):
            assert answer['category'] == ref['category']
            assert answer['attributes'] == ref['attributes']
            assert answer['given'] == ref['given']
        assert given not in [n for n, _ in r.json()['images'][0][
            'attributes']]
        r = requests.post(post, files=files(images[:1]),
                          data=dict(known='{"no such attribute": 1}'))
        assert (r.status_code, r.json()['error']['code']) == \
            (400, 'unknown_known_attribute')
        assert 'no such attribute' in r.json()['error']['message']
        r = requests.post(post, files=files(images[:1]),
                          data=dict(known=f'{{"{given}": 2}}'))
        assert (r.status_code, r.json()['error']['code']) == (400,
                                                              'bad_known')
        schema = requests.get(url + '/v1/schema').json()
        assert schema['takes_known'] is True
        assert schema['attributes'] == inferencer.attributes
        assert requests.post(post, files=files(images[:1])).ok


class WaitsForRelease:
    """A predictor whose model call blocks until the test releases it."""

    def __init__(self, inner):
        self.inner, self.entered = inner, threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, items):
        self.entered.set()
        assert self.release.wait(30), 'never released'
        return self.inner.predict(items)


def test_the_event_loop_answers_while_the_model_runs(tiny):
    from mmfashion_attr.serving import create_app
    predictor = WaitsForRelease(tiny['predictor'])
    app = create_app(predictor, max_batch=1, max_wait_ms=0)
    answer = {}
    with serving(app) as url:
        request = threading.Thread(target=lambda: answer.update(
            r=requests.post(url + '/v1/attributes',
                            files=files(tiny['paths'][:1]), timeout=60)))
        request.start()
        assert predictor.entered.wait(30)  # the model call is running
        health = requests.get(url + '/healthz', timeout=5)
        schema = requests.get(url + '/v1/schema', timeout=5)
        predictor.release.set()
        request.join()
    assert health.ok and schema.ok
    assert answer['r'].status_code == 200
