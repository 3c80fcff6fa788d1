"""Startup checks of the service (issue 30, item 5): a checkpoint that
does not fit the config stops ``tools/serve.py`` before it listens, with
an error naming the keys; a model that cannot answer a test image stops it
too; ``/v1/schema`` reports the config, checkpoint (path, sha256 prefix),
attribute schema and backend served, and the memory cap."""
import hashlib
import os
import socket
import subprocess
import sys

import pytest
import torch

from tests.helpers.http_server import free_port, serving
from tests.helpers.tiny_config import (ROOT, save_tiny_checkpoint,
                                       write_tiny_config)

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
requests = pytest.importorskip('requests')


@pytest.fixture(scope='module')
def tiny(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('startup')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    return config, save_tiny_checkpoint(config, tmp / 'weights.pth'), tmp


def test_a_checkpoint_that_does_not_fit_stops_the_service(tiny):
    config, ckpt, tmp = tiny
    state = torch.load(ckpt, weights_only=True)['state_dict']
    missing = 'head.branches.0.0.bias'
    reshaped = 'head.branches.1.0.weight'
    del state[missing]
    state[reshaped] = torch.zeros(3, 3)
    state['head.extra.weight'] = torch.zeros(1)
    bad = str(tmp / 'misfit.pth')
    torch.save(dict(state_dict=state), bad)
    port = free_port()
    out = subprocess.run(
        [sys.executable, 'tools/serve.py', config, bad, '--port', str(port)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr[-3000:]
    error = out.stderr.strip().splitlines()[-2]  # then the --debug hint
    assert error.startswith('serve.py: error: ') and 'does not fit' in \
        error, out.stderr[-3000:]
    for key in (missing, reshaped, 'head.extra.weight'):
        assert key in error, (key, error)
    assert 'Traceback' not in out.stderr
    assert 'serving' not in out.stdout  # it never listened
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', port), timeout=5).close()


class ExportedForAnotherSize:
    """A predictor whose model refuses the pipeline's images (an ONNX file
    exported at another input size)."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, items):
        raise ValueError('images of size (64, 64); the model was exported '
                         'for (128, 128)')


def test_a_model_that_cannot_answer_stops_the_service(tiny):
    from mmfashion_attr.serving import build_predictor
    from mmfashion_attr.serving.startup import (ServiceStartupError,
                                                startup_check)
    config, ckpt, _ = tiny
    predictor = build_predictor(config, ckpt)
    startup_check(predictor, 'tiny.py')  # the real one answers
    with pytest.raises(ServiceStartupError) as e:
        startup_check(ExportedForAnotherSize(predictor), 'tiny.py')
    assert 'tiny.py: the model cannot answer a test image' in str(e.value)
    assert 'exported for (128, 128)' in str(e.value)


def test_schema_reports_what_is_served(tiny, synth_root):
    from mmfashion_attr.serving import ServeLimits, build_predictor, \
        create_app
    from mmfashion_attr.serving.resources import MEMORY_SLACK_BYTES
    config, ckpt, _ = tiny
    limits = ServeLimits(max_decode_bytes=10_000_000, decode_workers=3,
                         max_queued_images=20, request_memory_bytes=5_000_000)
    with serving(create_app(build_predictor(config, ckpt), limits),
                 loop='asyncio') as url:
        schema = requests.get(url + '/v1/schema', timeout=10).json()
    sha = hashlib.sha256(open(ckpt, 'rb').read()).hexdigest()
    schema_file = os.path.join(str(synth_root), 'schema.json')
    assert schema['service'] == dict(
        config=config, checkpoint=dict(path=ckpt, sha256_prefix=sha[:12]),
        schema_file=schema_file, schema_file_sha256_prefix=hashlib.sha256(
            open(schema_file, 'rb').read()).hexdigest()[:12],
        backend='pytorch', event_loop='asyncio',
        torch_threads=torch.get_num_threads())
    assert schema['checkpoint_sha256'] == sha
    packed = 3 * 64 * 64  # the tiny config's input, uint8
    assert schema['limits']['packed_image_bytes'] == packed
    assert schema['limits']['memory_cap_bytes'] == \
        5_000_000 + 3 * 10_000_000 + 20 * packed + MEMORY_SLACK_BYTES
    assert schema['limits']['decode_workers'] == 3
