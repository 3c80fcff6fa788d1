"""tools/deployment/export_backend.py: an int8 file per runtime, calibrated
on --calib-images training images, with the export's metadata; from an
existing fp32 export (--onnx) or exporting itself; wrong options refused."""
import json

import pytest

from tests.helpers.in_process_tool import run_in_process

TOOL = 'tools/deployment/export_backend.py'


def export(tiny_backends, backend, out, monkeypatch, *extra):
    return run_in_process(TOOL, [tiny_backends.config, tiny_backends.ckpt,
                                 '--backend', backend, '--out', out,
                                 '--num-images', '3', *extra], monkeypatch)


def test_onnxruntime_int8_exporting_itself(tiny_backends, tmp_path,
                                           monkeypatch, capsys):
    pytest.importorskip('onnxruntime', reason='pip install -e .[deploy]')
    from mmfashion_attr.deployment import OnnxRuntimeModel
    out = str(tmp_path / 'int8.onnx')
    assert export(tiny_backends, 'onnxruntime-int8', out, monkeypatch,
                  '--calib-images', '5', '--dynamic-batch') == 0
    printed = capsys.readouterr().out
    assert 'calibrated on 5 training images' in printed
    assert 'max |score difference| from PyTorch on 3 test images' in printed
    model = OnnxRuntimeModel(out)
    assert (model.backend, model.batch_size) == ('onnxruntime-int8', None)
    assert json.loads(model.metadata_value)['quantization'][
        'calibration_images'] == 5
    assert model.tasks == OnnxRuntimeModel(
        tiny_backends.file('onnxruntime')).tasks


def test_openvino_int8_from_an_fp32_export(tiny_backends, tmp_path,
                                           monkeypatch, capsys):
    pytest.importorskip('openvino', reason='pip install -e .[openvino]')
    pytest.importorskip('nncf', reason='pip install -e .[openvino]')
    from mmfashion_attr.deployment import OpenVinoModel
    out = str(tmp_path / 'ir' / 'int8.xml')
    assert export(tiny_backends, 'openvino-int8', out, monkeypatch,
                  '--onnx', tiny_backends.file('onnxruntime'),
                  '--calib-images', '30') == 0
    printed = capsys.readouterr().out
    # more than the training set: all of it
    assert 'calibrated on 24 training images' in printed
    assert f'wrote {out} + {out[:-4]}.bin (openvino-int8, ' in printed
    model = OpenVinoModel(out)
    assert model.backend == 'openvino-int8'
    assert json.loads(model.metadata_value)['quantization'][
        'calibration_images'] == 24


@pytest.mark.parametrize('backend, out, extra, words', [
    ('openvino', 'x.onnx', (), '--out {tmp}/x.onnx: the openvino backend '
     'writes a .xml file'),
    ('onnxruntime-int8', 'x.onnx', ('--calib-images', '0'),
     '--calib-images must be at least 1'),
    ('openvino-int8', 'x.xml', ('--onnx', '{int8}'), '--onnx {int8} is '
     'int8: pass the fp32 export'),
    ('onnxruntime-int8', 'x.onnx', ('--onnx', '{ckpt}'), '{ckpt} is a '
     'PyTorch checkpoint'),
])
def test_wrong_options(tiny_backends, tmp_path, monkeypatch, capsys,
                       backend, out, extra, words):
    files = dict(tmp=tmp_path, ckpt=tiny_backends.ckpt,
                 int8=tiny_backends.file('onnxruntime-int8'))
    tiny_backends.file(backend)  # skips without the packages
    status = export(tiny_backends, backend, str(tmp_path / out), monkeypatch,
                    *[e.format(**files) for e in extra])
    err = capsys.readouterr().err
    assert status == 2, err
    assert f'error: {words.format(**files)}' in err
