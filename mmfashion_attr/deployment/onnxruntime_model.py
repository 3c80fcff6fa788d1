"""Run an exported model with ONNX Runtime behind the classifier interface
that the inferencer calls (``test_step``); compare it with PyTorch."""
from typing import Optional, Union

import numpy as np
import torch

from .backends import WrongModelFileError, check_model_file, require
from .onnx_metadata import read_metadata
from .runtime_model import RuntimeModel
from .scores_model import ScoresModel


class OnnxRuntimeModel(RuntimeModel):
    """A file from ``tools/deployment/pytorch2onnx.py`` or
    ``export_backend.py`` (fp32 or int8: an int8 file is an ONNX file with
    QuantizeLinear / DequantizeLinear nodes) run by ONNX Runtime.

    Args:
        onnx_file (str): The exported model.
        device (str, optional): ``'cuda'`` uses the CUDA provider when
            onnxruntime has it; default CPU.
        threads (int, optional): ``intra_op_num_threads``; default
            ONNX Runtime's own (one per physical core).

    Attributes: those of :class:`RuntimeModel` (``tasks``, ``precision``,
    ``batch_size``, ``backend``...).
    """

    runtime = 'onnxruntime'

    def __init__(self, onnx_file: str, device: Optional[str] = None,
                 threads: Optional[int] = None):
        ort = require('onnxruntime', 'onnxruntime')
        check_model_file(onnx_file, 'onnxruntime')
        providers = ['CPUExecutionProvider']
        if device and str(device).startswith('cuda'):
            if 'CUDAExecutionProvider' not in ort.get_available_providers():
                raise RuntimeError(
                    f'device {device!r} asked for, but this onnxruntime has '
                    f'no CUDA provider ({ort.get_available_providers()}): '
                    'install onnxruntime-gpu')
            providers.insert(0, 'CUDAExecutionProvider')
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = int(threads)
        try:
            self.session = ort.InferenceSession(onnx_file, options,
                                                providers=providers)
        except Exception as e:  # noqa: BLE001 (onnxruntime's own types)
            if 'protobuf' not in str(e).lower():
                raise
            raise WrongModelFileError(
                f'{onnx_file} is not an ONNX file ONNX Runtime can read: '
                f'{e}') from e
        meta = read_metadata(
            self.session.get_modelmeta().custom_metadata_map, onnx_file)
        self._set_metadata(meta, self.session.get_inputs()[0].shape[0])

    def _run(self, images: np.ndarray) -> np.ndarray:
        return self.session.run(['scores'], {'image': images})[0]


def max_score_difference(scores_model: ScoresModel,
                         runtime: Union[str, RuntimeModel],
                         images: torch.Tensor) -> float:
    """Largest absolute difference between PyTorch's scores and a runtime's
    on ``images`` (uint8, ``(N, 3, H, W)``; the runtime runs them in batches
    of the exported size). ``runtime``: a :class:`RuntimeModel` (ONNX
    Runtime, OpenVINO), or an ONNX file (then run by ONNX Runtime)."""
    if isinstance(runtime, str):
        runtime = OnnxRuntimeModel(runtime)
    with torch.no_grad():
        expected = scores_model.eval()(images).numpy()
    actual = runtime.scores(images.numpy())
    return float(np.abs(expected - actual).max())
