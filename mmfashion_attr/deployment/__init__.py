"""Export to ONNX and run exported models with ONNX Runtime (optional extra:
``pip install -e .[deploy]``; onnx / onnxruntime are imported on use)."""
from .onnx_export import export_onnx
from .onnx_metadata import METADATA_KEY, read_metadata
from .onnxruntime_model import OnnxRuntimeModel, max_score_difference
from .scores_model import ScoresModel

__all__ = ['METADATA_KEY', 'OnnxRuntimeModel', 'ScoresModel', 'export_onnx',
           'max_score_difference', 'read_metadata']
