"""Static int8 quantisation of an exported ONNX file with ONNX Runtime's
quantiser (the deploy extra), the file's metadata carried over: ONNX Runtime
writes a new model and would drop what it does not know."""
import os.path as osp
import tempfile
from typing import Iterator, Optional

import numpy as np

from .backends import require
from .onnx_metadata import METADATA_KEY, quantized_value, read_metadata

METHODS = ('MinMax', 'Entropy', 'Percentile')


def calibration_batches(images: np.ndarray,
                        batch_size: Optional[int]) -> Iterator[np.ndarray]:
    """uint8 ``(N, 3, H, W)`` -> batches of the model's input batch
    (``None``, dynamic: one image each; a fixed batch: the last one padded
    with copies of its last image)."""
    step = batch_size or 1
    for start in range(0, len(images), step):
        chunk = images[start:start + step]
        if len(chunk) < step:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:],
                                                     step - len(chunk), 0)])
        yield np.ascontiguousarray(chunk)


def quantize_onnx(fp32_file: str, out: str, images: np.ndarray,
                  per_channel: bool = True, method: str = 'MinMax') -> dict:
    """Write the int8 (QDQ) model of ``fp32_file`` to ``out``.

    ``onnxruntime.quantization.quantize_static``: activations uint8 and
    weights int8 (per output channel with ``per_channel``) as
    QuantizeLinear / DequantizeLinear pairs around each quantisable
    operator, activation ranges from ``images`` (uint8 ``(N, 3, H, W)``
    packed as the model's input: the calibration set). The model is first
    pre-processed as ONNX Runtime recommends (``quant_pre_process``: shape
    inference, graph optimisation). The metadata of ``fp32_file`` is kept,
    marked ``precision: 'int8'`` with how it was quantised.

    Returns:
        dict: the ``quantization`` entry written into the metadata.
    """
    onnx = require('onnx', 'onnxruntime-int8')
    ort = require('onnxruntime', 'onnxruntime-int8')
    from onnxruntime.quantization import (CalibrationDataReader,
                                          CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    if method not in METHODS:
        raise ValueError(f'calibration method {method!r}: one of {METHODS}')
    if len(images) == 0:
        raise ValueError('no calibration image')
    fp32 = onnx.load(fp32_file)
    props = {p.key: p.value for p in fp32.metadata_props}
    meta = read_metadata(props, fp32_file)
    if meta['precision'] != 'fp32':
        raise ValueError(f'{fp32_file} is already {meta["precision"]}')
    dim = fp32.graph.input[0].type.tensor_type.shape.dim[0]
    batch = dim.dim_value if dim.HasField('dim_value') else None
    name = fp32.graph.input[0].name
    del fp32

    class Reader(CalibrationDataReader):

        def __init__(self):
            self.batches = calibration_batches(images, batch)

        def get_next(self):
            chunk = next(self.batches, None)
            return None if chunk is None else {name: chunk}

    quantization = dict(
        tool='onnxruntime.quantization.quantize_static (onnxruntime '
        f'{ort.__version__})', format='QDQ',
        activations='uint8', weights='int8', per_channel=per_channel,
        calibration_method=method, calibration_images=int(len(images)))
    with tempfile.TemporaryDirectory() as tmp:
        prepared = osp.join(tmp, 'prepared.onnx')
        quant_pre_process(fp32_file, prepared, skip_symbolic_shape=True)
        quantize_static(prepared, out, Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=per_channel,
                        calibrate_method=getattr(CalibrationMethod, method))
    model = onnx.load(out)
    for entry in list(model.metadata_props):
        if entry.key == METADATA_KEY:
            model.metadata_props.remove(entry)
    entry = model.metadata_props.add()
    entry.key = METADATA_KEY
    entry.value = quantized_value(meta['value'], quantization)
    onnx.save(model, out)
    return quantization

