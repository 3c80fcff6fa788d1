"""OpenVINO: the IR (fp32) and the NNCF int8 IR keep the export's metadata,
run behind OnnxRuntimeModel's interface with a thread count and fp32
precision, and predict as PyTorch (int8 within its tolerance); the service's
predictor reports the backend."""
import json

import numpy as np
import pytest

ov = pytest.importorskip('openvino', reason='pip install -e .[openvino]')

INT8_ATOL = 0.02  # as tests/test_deployment/test_quantize_onnx.py


def ir_metadata(path):
    from mmfashion_attr.deployment import METADATA_KEY
    model = ov.Core().read_model(path)
    return json.loads(model.get_rt_info([METADATA_KEY]).astype(str))


def onnx_metadata(path):
    import onnx

    from mmfashion_attr.deployment import METADATA_KEY
    return json.loads({p.key: p.value for p in onnx.load(path)
                       .metadata_props}[METADATA_KEY])


def test_fp32_ir_and_onnx_file_match_pytorch(tiny_backends):
    from mmfashion_attr.deployment import OnnxRuntimeModel, OpenVinoModel
    xml = tiny_backends.file('openvino')
    assert ir_metadata(xml) == onnx_metadata(tiny_backends.file(
        'onnxruntime'))
    ref = tiny_backends.reference_scores()
    images = tiny_backends.images.numpy()
    ort = OnnxRuntimeModel(tiny_backends.file('onnxruntime'))
    for path in (xml, tiny_backends.file('onnxruntime')):
        model = OpenVinoModel(path, threads=1)
        assert (model.tasks, model.image_size, model.batch_size) == \
            (ort.tasks, ort.image_size, None)
        assert (model.precision, model.backend) == ('fp32', 'openvino')
        assert model.compiled.get_property('INFERENCE_NUM_THREADS') == 1
        assert model.compiled.get_property(
            'INFERENCE_PRECISION_HINT') == ov.Type.f32
        np.testing.assert_allclose(model.scores(images), ref, atol=1e-4)
        samples = model.test_step(dict(inputs=list(tiny_backends.images)))
        np.testing.assert_allclose(
            np.stack([s.pred_score.numpy() for s in samples]), ref,
            atol=1e-4)


def test_a_fixed_batch_runs_in_its_batches(tiny_backends, tmp_path):
    """Batches of the exported size, the last one padded, each batch's
    answer kept."""
    from mmfashion_attr.apis.attribute_inferencer import model_tasks
    from mmfashion_attr.deployment import (OpenVinoModel, ScoresModel,
                                           export_onnx, onnx_to_openvino)
    fixed, xml = str(tmp_path / 'b2.onnx'), str(tmp_path / 'b2.xml')
    export_onnx(ScoresModel(tiny_backends.model), fixed,
                tiny_backends.images.shape[2:],
                model_tasks(tiny_backends.model), batch_size=2)
    onnx_to_openvino(fixed, xml)
    model = OpenVinoModel(xml)
    assert model.batch_size == 2
    ref = tiny_backends.reference_scores()
    got = model.scores(tiny_backends.images.numpy())  # 2 + 2 + 2 + 1
    np.testing.assert_allclose(got, ref, atol=1e-4)
    assert not np.allclose(got[0], got[-1])  # images of differing answers


def test_int8_ir_keeps_the_metadata_and_is_quantised(tiny_backends):
    pytest.importorskip('nncf', reason='pip install -e .[openvino]')
    path = tiny_backends.file('openvino-int8')
    meta = ir_metadata(path)
    assert meta.pop('precision') == 'int8'
    how = meta.pop('quantization')
    assert meta == onnx_metadata(tiny_backends.file('onnxruntime'))
    assert how['calibration_images'] == 24 and how['preset'] == \
        'performance'
    ops = {op.get_type_name() for op in ov.Core().read_model(path).get_ops()}
    assert 'FakeQuantize' in ops


def test_int8_inferencer_and_predictor_answer_as_pytorch(tiny_backends):
    pytest.importorskip('nncf', reason='pip install -e .[openvino]')
    from mmfashion_attr.apis import AttributeInferencer
    paths = tiny_backends.paths
    ref = AttributeInferencer(tiny_backends.config, tiny_backends.ckpt)(
        paths, num_workers=0)
    inferencer = AttributeInferencer(
        tiny_backends.config, tiny_backends.file('openvino-int8'),
        backend='openvino-int8', backend_threads=1)
    assert inferencer.model.compiled.get_property(
        'INFERENCE_NUM_THREADS') == 1
    got = inferencer(paths, batch_size=3, num_workers=0)
    diff = max(abs(ours['scores'][t][v] - want['scores'][t][v])
               for ours, want in zip(got, ref) for t in want['scores']
               for v in want['scores'][t])
    assert 0 < diff <= INT8_ATOL
    for ours, want in zip(got, ref):
        assert {t: [v['value'] for v in vs]
                for t, vs in ours['attributes'].items()} == \
            {t: [v['value'] for v in vs]
             for t, vs in want['attributes'].items()}
    pytest.importorskip('fastapi', reason='pip install -e .[serve]')
    from mmfashion_attr.serving import build_predictor
    from mmfashion_attr.serving.request_parsing import Upload
    predictor = build_predictor(tiny_backends.config,
                                tiny_backends.file('openvino-int8'),
                                backend='openvino-int8', backend_threads=1)
    assert predictor.backend == 'openvino-int8'
    answer = predictor.predict([predictor.prepare(
        Upload(name='x.jpg', content=open(paths[0], 'rb').read()), None)])
    assert {t: a['values'] for t, a in answer[0]['attributes'].items()} == \
        got[0]['attributes']


def test_a_cuda_device_is_refused(tiny_backends):
    from mmfashion_attr.deployment import OpenVinoModel
    from mmfashion_attr.errors import UserValueError
    with pytest.raises(UserValueError, match="device 'cuda:0': OpenVINO "
                       'runs on Intel devices'):
        OpenVinoModel(tiny_backends.file('openvino'), device='cuda:0')
