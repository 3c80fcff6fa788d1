"""Post-training int8 quantisation of an OpenVINO model with NNCF (the
openvino extra), the metadata carried over and marked int8: NNCF returns a
new model and knows nothing of ours."""
import numpy as np

from .backends import require
from .onnx_metadata import quantized_value
from .openvino_export import save_openvino
from .quantize_onnx import calibration_batches
from .signal_stack import preserve_signal_stack

PRESETS = ('performance', 'mixed')


def quantize_openvino(model_file: str, out: str, images: np.ndarray,
                      preset: str = 'performance') -> dict:
    """Write the int8 IR of ``model_file`` (an exported ONNX file or an fp32
    IR) to ``out`` (``.xml``).

    ``nncf.quantize`` on the OpenVINO model with an ``nncf.Dataset`` of
    ``images`` (uint8 ``(N, 3, H, W)``, packed as the model's input: the
    calibration set, all of it used): FakeQuantize operations with weights
    int8 per output channel, activations int8 (``preset``
    ``'performance'``: symmetric; ``'mixed'``: asymmetric activations).

    Returns:
        dict: the ``quantization`` entry written into the metadata.
    """
    ov = require('openvino', 'openvino-int8')
    nncf = require('nncf', 'openvino-int8')
    from .openvino_model import openvino_metadata
    if preset not in PRESETS:
        raise ValueError(f'preset {preset!r}: one of {PRESETS}')
    if len(images) == 0:
        raise ValueError('no calibration image')
    model = ov.Core().read_model(model_file)
    meta = openvino_metadata(model, model_file)
    if meta['precision'] != 'fp32':
        raise ValueError(f'{model_file} is already {meta["precision"]}')
    shape = model.inputs[0].get_partial_shape()[0]
    batch = shape.get_length() if shape.is_static else None
    batches = list(calibration_batches(images, batch))
    with preserve_signal_stack():  # NNCF compiles models of its own
        quantized = nncf.quantize(
            model, nncf.Dataset(batches), subset_size=len(batches),
            preset=getattr(nncf.QuantizationPreset, preset.upper()))
    quantization = dict(
        tool=f'nncf.quantize (nncf {nncf.__version__})', preset=preset,
        weights='int8 per channel', calibration_images=int(len(images)))
    save_openvino(quantized, out, quantized_value(meta['value'],
                                                  quantization))
    return quantization
