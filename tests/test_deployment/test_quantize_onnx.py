"""ONNX Runtime int8: the quantised file keeps the export's metadata (marked
int8), is QDQ with per-channel weights, loads in OnnxRuntimeModel as it is
and predicts as PyTorch within int8's tolerance."""
import json

import numpy as np
import pytest

pytest.importorskip('onnxruntime', reason='pip install -e .[deploy]')
onnx = pytest.importorskip('onnx', reason='pip install -e .[deploy]')

# int8 vs fp32 scores of the tiny model (ONNX Runtime 1.32.0: about 4e-3)
INT8_ATOL = 0.02


def metadata(path):
    from mmfashion_attr.deployment import METADATA_KEY
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    return json.loads(props[METADATA_KEY])


def test_metadata_survives_quantisation(tiny_backends):
    fp32 = metadata(tiny_backends.file('onnxruntime'))
    int8 = metadata(tiny_backends.file('onnxruntime-int8'))
    assert int8.pop('precision') == 'int8'
    how = int8.pop('quantization')
    assert int8 == fp32  # tasks, value names, input: all kept
    assert (how['format'], how['per_channel'], how['weights']) == \
        ('QDQ', True, 'int8')
    assert how['calibration_images'] == len(tiny_backends.calib) == 24


def test_the_file_is_qdq_with_per_channel_weights(tiny_backends):
    graph = onnx.load(tiny_backends.file('onnxruntime-int8')).graph
    ops = {n.op_type for n in graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear', 'Conv'} <= ops
    inits = {i.name: i for i in graph.initializer}
    # a weight's DequantizeLinear: int8 weight, one scale per output channel
    per_channel = [
        n for n in graph.node if n.op_type == 'DequantizeLinear'
        and n.input[0] in inits and inits[n.input[0]].data_type ==
        onnx.TensorProto.INT8 and len(inits[n.input[1]].dims) == 1
        and inits[n.input[1]].dims[0] > 1]
    assert per_channel


def test_onnxruntime_model_loads_it_unchanged(tiny_backends):
    from mmfashion_attr.deployment import OnnxRuntimeModel
    fp32 = OnnxRuntimeModel(tiny_backends.file('onnxruntime'))
    int8 = OnnxRuntimeModel(tiny_backends.file('onnxruntime-int8'),
                            threads=1)
    assert int8.tasks == fp32.tasks and int8.image_size == fp32.image_size
    assert (int8.precision, int8.backend) == ('int8', 'onnxruntime-int8')
    assert (fp32.precision, fp32.backend) == ('fp32', 'onnxruntime')
    assert int8.session.get_session_options().intra_op_num_threads == 1
    diff = np.abs(int8.scores(tiny_backends.images.numpy()) -
                  tiny_backends.reference_scores()).max()
    assert 0 < diff <= INT8_ATOL  # int8, and close


def test_the_inferencer_predicts_as_pytorch(tiny_backends):
    from mmfashion_attr.apis import AttributeInferencer
    paths = tiny_backends.paths
    ref = AttributeInferencer(tiny_backends.config, tiny_backends.ckpt)(
        paths, num_workers=0)
    got = AttributeInferencer(
        tiny_backends.config, tiny_backends.file('onnxruntime-int8'),
        backend='onnxruntime-int8', backend_threads=1)(
            paths, batch_size=3, num_workers=0)
    for ours, want in zip(got, ref):
        assert [v['value'] for vs in ours['attributes'].values()
                for v in vs] == [v['value'] for vs in
                                 want['attributes'].values() for v in vs]
        for task, scores in want['scores'].items():
            np.testing.assert_allclose(list(ours['scores'][task].values()),
                                       list(scores.values()),
                                       atol=INT8_ATOL)


def test_a_fixed_batch_is_calibrated_in_its_batches(tiny_backends, tmp_path):
    from mmfashion_attr.apis.attribute_inferencer import model_tasks
    from mmfashion_attr.deployment import (OnnxRuntimeModel, ScoresModel,
                                           export_onnx, quantize_onnx)
    from mmfashion_attr.deployment.quantize_onnx import calibration_batches
    calib = tiny_backends.calib[:5]
    batches = list(calibration_batches(calib, 2))
    assert [len(b) for b in batches] == [2, 2, 2]
    np.testing.assert_array_equal(batches[-1][1], calib[4])  # padded copy
    assert [len(b) for b in calibration_batches(calib, None)] == [1] * 5
    fixed, int8 = str(tmp_path / 'b2.onnx'), str(tmp_path / 'b2_int8.onnx')
    model = tiny_backends.model
    export_onnx(ScoresModel(model), fixed, tiny_backends.images.shape[2:],
                model_tasks(model), batch_size=2)
    assert quantize_onnx(fixed, int8, calib)['calibration_images'] == 5
    runtime = OnnxRuntimeModel(int8)
    assert runtime.batch_size == 2
    assert runtime.scores(tiny_backends.images[:3].numpy()).shape[0] == 3
    with pytest.raises(ValueError, match='already int8'):
        quantize_onnx(int8, str(tmp_path / 'again.onnx'), calib)
