"""tools/serve.py end to end in its own process, on the ONNX Runtime
backend: the same predictions as the inferencer's onnxruntime backend,
the schema hashing the served file, errors (an unknown path, unparsable
HTTP) in the service's JSON form."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.helpers.http_server import free_port, wait_until_up
from tests.helpers.raw_http import raw_exchange
from tests.helpers.tiny_config import ROOT, write_tiny_config

pytest.importorskip('fastapi', reason='pip install -e .[serve]')
pytest.importorskip('onnxruntime', reason='pip install -e .[deploy]')
requests = pytest.importorskip('requests')


def test_serve_onnxruntime_backend(synth_root, tmp_path):
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.apis.attribute_inferencer import model_tasks
    from mmfashion_attr.deployment import ScoresModel, export_onnx
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root)
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = get_model(cfg)
    model.init_weights()
    onnx_file = str(tmp_path / 'model.onnx')
    export_onnx(ScoresModel(model), onnx_file, (64, 64), model_tasks(model),
                dynamic_batch=True)
    paths = [osp.join(synth_root, 'images', 'test', f'{i:06d}.jpg')
             for i in range(7)]
    refs = AttributeInferencer(config, onnx_file, backend='onnxruntime')(
        paths, batch_size=4, num_workers=0)

    port = free_port()
    url = f'http://127.0.0.1:{port}'
    proc = subprocess.Popen(
        [sys.executable, 'tools/serve.py', config, onnx_file, '--backend',
         'onnxruntime', '--port', str(port), '--max-batch', '4',
         '--max-images', '8', '--loop', 'asyncio', '--torch-threads', '1',
         '--log-level', 'warning'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(url, proc)
        r = requests.post(url + '/v1/attributes', files=[
            ('images', (osp.basename(p), open(p, 'rb').read()))
            for p in paths], timeout=60)
        schema = requests.get(url + '/v1/schema', timeout=10).json()
        missing = requests.get(url + '/nope', timeout=10)
        # unparsable HTTP: the JSON error of the service's own protocol
        garbage = raw_exchange(port, [b'GARBAGE\r\n\r\n'])
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert r.status_code == 200, (r.text, output)
    assert f'serving {config} (onnxruntime) on {url}' in output
    assert '(malloc thresholds: set)' in output
    for answer, ref in zip(r.json()['images'], refs):
        assert answer['name'] == osp.basename(ref['img_path'])
        for task, scores in ref['scores'].items():
            got = answer['attributes'][task]
            assert got['values'] == ref['attributes'][task]
            np.testing.assert_allclose(list(got['scores'].values()),
                                       list(scores.values()), atol=1e-6)
    assert schema['checkpoint_sha256'] == hashlib.sha256(
        open(onnx_file, 'rb').read()).hexdigest()
    assert schema['batching'] == dict(max_batch=4, max_wait_ms=10.0,
                                      max_fill_ms=50.0)
    assert schema['service']['event_loop'] == 'asyncio'  # --loop
    assert schema['service']['torch_threads'] == 1  # --torch-threads
    assert missing.status_code == 404
    assert missing.json()['error']['code'] == 'not_found'
    status, headers, body = garbage
    assert (status, headers['connection']) == (400, 'close')
    assert json.loads(body)['error']['code'] == 'bad_http_request'


def test_serve_refuses_zero_torch_threads(tmp_path):
    proc = subprocess.run(
        [sys.executable, 'tools/serve.py', 'config.py', 'model.pth',
         '--torch-threads', '0'], cwd=ROOT, capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
    assert proc.returncode != 0
    assert '--torch-threads 0: at least 1' in proc.stderr
