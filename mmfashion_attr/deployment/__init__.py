"""Export to ONNX and run exported models with ONNX Runtime or OpenVINO, fp32
or int8 (optional extras: ``pip install -e .[deploy]`` for ONNX / ONNX
Runtime, ``.[openvino]`` for OpenVINO and NNCF; imported on use)."""
from .backends import (BACKENDS, EXTRAS, RUNTIME_BACKENDS, MissingExtraError,
                       WrongModelFileError, check_model_file, file_kind)
from .onnx_export import export_onnx
from .onnx_metadata import METADATA_KEY, read_metadata
from .onnxruntime_model import OnnxRuntimeModel, max_score_difference
from .open_model import open_runtime_model
from .openvino_export import onnx_to_openvino, save_openvino
from .openvino_model import OpenVinoModel
from .quantize_onnx import quantize_onnx
from .quantize_openvino import quantize_openvino
from .runtime_model import RuntimeModel
from .scores_model import ScoresModel

__all__ = ['BACKENDS', 'EXTRAS', 'METADATA_KEY', 'MissingExtraError',
           'OnnxRuntimeModel', 'OpenVinoModel', 'RUNTIME_BACKENDS',
           'RuntimeModel', 'ScoresModel', 'WrongModelFileError',
           'check_model_file', 'export_onnx', 'file_kind',
           'max_score_difference', 'onnx_to_openvino', 'open_runtime_model',
           'quantize_onnx', 'quantize_openvino', 'read_metadata',
           'save_openvino']
