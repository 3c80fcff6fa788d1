"""Run an exported model with OpenVINO (the openvino extra) behind the same
interface as :class:`OnnxRuntimeModel`: an IR from
``tools/deployment/export_backend.py`` or the ONNX file itself."""
from typing import Optional

import numpy as np

from ..errors import UserValueError
from .backends import check_model_file, require
from .onnx_metadata import METADATA_KEY, read_metadata
from .runtime_model import RuntimeModel
from .signal_stack import preserve_signal_stack


def openvino_device(device: Optional[str]) -> str:
    """A device as the other backends take it (``None``, ``'cpu'``) or as
    OpenVINO names it (``'CPU'``, ``'GPU'``, ``'AUTO'``) -> OpenVINO's name.
    """
    if device is None or str(device).lower() == 'cpu':
        return 'CPU'
    if str(device).lower().startswith('cuda'):
        raise UserValueError(
            f'device {device!r}: OpenVINO runs on Intel devices (CPU, GPU, '
            'NPU, AUTO), not CUDA; leave the device unset for its CPU')
    return str(device)


def openvino_metadata(model, source: str) -> dict:
    """:func:`read_metadata` of an ``ov.Model``: the IR's rt_info entry
    (export_backend.py writes it), else the ONNX file's metadata_props
    (OpenVINO reads them into rt_info ``framework``)."""
    for path in ([METADATA_KEY], ['framework', METADATA_KEY]):
        if model.has_rt_info(path):
            return read_metadata({}, source,
                                 model.get_rt_info(path).astype(str))
    return read_metadata({}, source)  # raises, naming the file


class OpenVinoModel(RuntimeModel):
    """An OpenVINO IR (``.xml`` beside its ``.bin``) from
    ``tools/deployment/export_backend.py --backend openvino[-int8]``, or an
    exported ONNX file, compiled by OpenVINO.

    Non-quantised operations run in fp32 (``INFERENCE_PRECISION_HINT``;
    OpenVINO's own default is bf16 on CPUs with AMX / AVX-512 bf16, which
    would break fp32 parity).

    Args:
        model_file (str): The IR's ``.xml`` or an ONNX file.
        device (str, optional): OpenVINO's device name; default (or
            ``'cpu'``) ``'CPU'``.
        threads (int, optional): ``INFERENCE_NUM_THREADS``; default
            OpenVINO's own.

    Attributes: those of :class:`RuntimeModel` (``tasks``, ``precision``,
    ``batch_size``, ``backend``...).
    """

    runtime = 'openvino'

    def __init__(self, model_file: str, device: Optional[str] = None,
                 threads: Optional[int] = None):
        ov = require('openvino', 'openvino')
        check_model_file(model_file, 'openvino')
        core = ov.Core()
        model = core.read_model(model_file)
        self._set_metadata(openvino_metadata(model, model_file),
                           model.inputs[0].get_partial_shape()[0])
        config = {'INFERENCE_PRECISION_HINT': 'f32'}
        if threads is not None:
            config['INFERENCE_NUM_THREADS'] = int(threads)
        with preserve_signal_stack():  # loads the CPU plugin
            self.compiled = core.compile_model(
                model, openvino_device(device), config)
        self.request = self.compiled.create_infer_request()

    def _set_metadata(self, meta: dict, batch) -> None:
        super()._set_metadata(
            meta, batch.get_length() if batch.is_static else None)

    def _run(self, images: np.ndarray) -> np.ndarray:
        # share_outputs=False (the default): a copy, not the request's
        # output buffer, which the next call overwrites
        return self.request.infer({0: images}, share_outputs=False)[0]
