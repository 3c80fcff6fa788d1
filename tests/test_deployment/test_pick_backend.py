"""``backend='auto'``: a checkpoint stays on PyTorch; an exported file goes
to the fastest installed backend that runs it (the measured speeds decide,
a missing package is named), an int8 file to its own runtime; the
inferencer and infer_catalog report the choice."""
import json

import pytest

from mmfashion_attr.deployment import backends
from mmfashion_attr.deployment.pick_backend import (candidate_backends,
                                                    describe,
                                                    images_per_second,
                                                    pick_backend)
from tests.helpers.run_tool import run

pytest.importorskip('onnxruntime', reason='pip install -e .[deploy]')
pytest.importorskip('openvino', reason='pip install -e .[openvino]')


def speeds(table):
    """A measure that returns the given speed per backend."""
    return lambda model, batch: table[model.backend]


def test_a_checkpoint_stays_on_pytorch(tiny_backends):
    assert candidate_backends(tiny_backends.ckpt) == ['pytorch']
    # not a local file: its loader's to fetch (as --backend pytorch)
    assert candidate_backends('https://example.com/epoch_10.pth') == [
        'pytorch']
    backend, model, choice = pick_backend(tiny_backends.ckpt)
    assert (backend, model) == ('pytorch', None)
    assert 'export_backend.py' in choice['reason']


@pytest.mark.parametrize('fast', ['onnxruntime', 'openvino'])
def test_the_faster_backend_is_chosen(tiny_backends, fast):
    table = {'onnxruntime': 10.0, 'openvino': 20.0}
    if fast == 'onnxruntime':
        table = {'onnxruntime': 20.0, 'openvino': 10.0}
    onnx = tiny_backends.file('onnxruntime')
    backend, model, choice = pick_backend(onnx, measure=speeds(table))
    assert backend == fast == model.backend
    assert choice['images_per_second'] == table
    assert choice['reason'] == 'the fastest here'
    assert f'{fast} (the fastest here: onnxruntime ' in describe(choice)


def test_int8_files_go_to_their_own_runtime(tiny_backends):
    table = {'onnxruntime-int8': 1.0, 'openvino-int8': 1000.0}
    backend, model, choice = pick_backend(
        tiny_backends.file('onnxruntime-int8'), measure=speeds(table))
    assert backend == 'onnxruntime-int8' and model.precision == 'int8'
    assert list(choice['images_per_second']) == ['onnxruntime-int8']
    backend, _, _ = pick_backend(tiny_backends.file('openvino-int8'),
                                 measure=speeds(table))
    assert backend == 'openvino-int8'


def test_a_missing_package_is_named(tiny_backends, monkeypatch):
    real = backends.importlib.import_module

    def no_openvino(name, *args):
        if name.startswith('openvino'):
            raise ImportError(f'No module named {name!r}')
        return real(name, *args)

    monkeypatch.setattr(backends.importlib, 'import_module', no_openvino)
    backend, _, choice = pick_backend(tiny_backends.file('onnxruntime'),
                                      measure=speeds({'onnxruntime': 1.0}))
    assert backend == 'onnxruntime'
    assert choice['reason'] == 'the only one installed for this file'
    assert 'pip install -e .[openvino]' in choice['not_tried']['openvino']


def test_the_timing_is_real(tiny_backends):
    from mmfashion_attr.deployment import open_runtime_model
    model = open_runtime_model('onnxruntime',
                               tiny_backends.file('onnxruntime'))
    assert 0 < images_per_second(model, 4, runs=2) < 1e6


def test_infer_catalog_reports_its_choice(tiny_backends, tmp_path):
    listing, out = tmp_path / 'images.txt', tmp_path / 'out'
    listing.write_text('\n'.join(tiny_backends.paths[:3]))
    proc = run(['tools/infer_catalog.py', tiny_backends.config,
                tiny_backends.file('onnxruntime'), '--list', str(listing),
                '--out', str(out), '--workers', '0', '--batch-size', '4'])
    report = json.loads((out / 'report.json').read_text())
    assert report['predicted'] == 3
    assert report['backend'] in ('onnxruntime', 'openvino')
    choice = report['backend_choice']
    assert report['backend'] == choice['backend']
    assert set(choice['images_per_second']) == {'onnxruntime', 'openvino'}
    assert f'backend auto: {describe(choice)}' in proc.stdout


def test_an_ir_runs_on_the_cpu_when_the_device_is_cuda(tiny_backends):
    """infer_catalog passes cuda on a GPU machine; OpenVINO has no CUDA."""
    backend, model, choice = pick_backend(tiny_backends.file('openvino'),
                                          device='cuda:0',
                                          measure=speeds({'openvino': 1.0}))
    assert backend == 'openvino' == model.backend
    assert 'not timed' in choice['reason']
