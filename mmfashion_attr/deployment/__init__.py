"""Export to ONNX and run exported models with ONNX Runtime (optional extra:
``pip install -e .[deploy]``; onnx / onnxruntime are imported on use)."""
from .onnx_export import export_onnx, max_score_difference
from .onnxruntime_model import OnnxRuntimeModel
from .scores_model import ScoresModel

__all__ = ['ScoresModel', 'export_onnx', 'max_score_difference',
           'OnnxRuntimeModel']
