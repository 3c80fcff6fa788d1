"""Backend names, files and packages: a file of another kind or precision
than the backend is refused naming the file, a missing package naming the
pip extra, by the inferencer as by the runtimes."""
import sys

import pytest

from mmfashion_attr.deployment.backends import (BACKENDS, MissingExtraError,
                                                WrongModelFileError,
                                                file_kind, require)


def test_file_kinds(tiny_backends, tmp_path):
    assert file_kind(tiny_backends.ckpt) == 'pytorch'
    assert file_kind(tiny_backends.file('onnxruntime')) == 'onnx'
    assert file_kind(tiny_backends.file('onnxruntime-int8')) == 'onnx'
    xml = tiny_backends.file('openvino')
    assert file_kind(xml) == 'openvino-ir'
    assert file_kind(xml[:-4] + '.bin') == 'openvino-weights'
    (tmp_path / 'notes.txt').write_text('hello')
    assert file_kind(str(tmp_path / 'notes.txt')) == 'unknown'


@pytest.mark.parametrize('backend, given, words', [
    ('onnxruntime', 'ckpt', 'is a PyTorch checkpoint: the onnxruntime '
     'backend takes a file from tools/deployment/export_backend.py '
     '--backend onnxruntime; that is for --backend pytorch'),
    ('onnxruntime-int8', 'openvino', 'is an OpenVINO IR (.xml): the '
     'onnxruntime-int8 backend'),
    ('openvino', 'ckpt', 'is a PyTorch checkpoint: the openvino backend'),
    ('pytorch', 'onnxruntime', 'is an ONNX file: the pytorch backend takes '
     'a training checkpoint (.pth); that is for --backend onnxruntime'),
    ('pytorch', 'openvino', 'is an OpenVINO IR (.xml): the pytorch '
     'backend'),
    # precision: what runs is what the backend's name says
    ('onnxruntime-int8', 'onnxruntime', 'is an fp32 model: the '
     'onnxruntime-int8 backend takes an int8 one'),
    ('onnxruntime', 'onnxruntime-int8', 'is an int8 model: the onnxruntime '
     'backend takes an fp32 one (tools/deployment/export_backend.py '
     '--backend onnxruntime); run this file with --backend '
     'onnxruntime-int8'),
    ('openvino-int8', 'openvino', 'is an fp32 model: the openvino-int8 '
     'backend'),
    ('openvino', 'openvino-int8', 'is an int8 model: the openvino backend'),
])
def test_a_wrong_file_names_itself(tiny_backends, backend, given, words):
    from mmfashion_attr.apis import AttributeInferencer
    path = tiny_backends.ckpt if given == 'ckpt' else \
        tiny_backends.file(given)
    if backend != 'pytorch':
        tiny_backends.file(backend)  # skips without the packages
    with pytest.raises(WrongModelFileError) as e:
        AttributeInferencer(tiny_backends.config, path, backend=backend)
    assert str(e.value).startswith(f'{path} {words}'), str(e.value)


def test_the_openvino_backends_also_take_the_onnx_file(tiny_backends):
    from mmfashion_attr.deployment import open_runtime_model
    model = open_runtime_model('openvino',
                               tiny_backends.file('onnxruntime'))
    assert model.backend == 'openvino'


def test_garbage_named_onnx_is_refused_naming_it(tiny_backends, tmp_path):
    from mmfashion_attr.deployment import OnnxRuntimeModel
    pytest.importorskip('onnxruntime')
    bad = tmp_path / 'cut.onnx'
    bad.write_bytes(open(tiny_backends.file('onnxruntime'),
                         'rb').read()[:1000])
    with pytest.raises(WrongModelFileError, match=f'{bad} is not an ONNX '
                       'file ONNX Runtime can read'):
        OnnxRuntimeModel(str(bad))


@pytest.mark.parametrize('backend, module, extra', [
    ('onnxruntime', 'onnxruntime', 'deploy'),
    ('onnxruntime-int8', 'onnxruntime', 'deploy'),
    ('openvino', 'openvino', 'openvino'),
    ('openvino-int8', 'openvino', 'openvino'),
])
def test_a_missing_package_names_the_extra(tiny_backends, monkeypatch,
                                           backend, module, extra):
    from mmfashion_attr.apis import AttributeInferencer
    path = tiny_backends.file(backend)
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(MissingExtraError) as e:
        AttributeInferencer(tiny_backends.config, path, backend=backend)
    assert f'the {backend} backend needs {module!r}, which is not ' \
        'installed' in str(e.value)
    assert f'pip install -e .[{extra}] (pins: requirements/{extra}.txt)' \
        in str(e.value)
    assert isinstance(e.value, ImportError)  # callers that skip on it


def test_nncf_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'nncf', None)
    with pytest.raises(MissingExtraError, match=r'\.\[openvino\]'):
        require('nncf', 'openvino-int8')


def test_unknown_backend_and_threads_on_pytorch(tiny_backends):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.errors import UserValueError
    with pytest.raises(UserValueError, match="backend 'tensorrt': one of "
                       + ', '.join(BACKENDS)):
        AttributeInferencer(tiny_backends.config, tiny_backends.ckpt,
                            backend='tensorrt')
    with pytest.raises(UserValueError, match='backend threads are for the '
                       'onnxruntime and openvino backends'):
        AttributeInferencer(tiny_backends.config, tiny_backends.ckpt,
                            backend_threads=2)
