"""An exported ONNX file as an OpenVINO IR (the openvino extra), its metadata
in the IR's rt_info: OpenVINO's converter keeps the ONNX metadata only under
its ``framework`` entry, which a quantised IR must not inherit unmarked."""
from typing import Optional

from .backends import require
from .onnx_metadata import METADATA_KEY


def save_openvino(model, out: str, metadata_value: str) -> None:
    """Write ``model`` (an ``ov.Model``) as ``out`` (``.xml``, weights in
    the ``.bin`` beside it) with ``metadata_value`` under rt_info
    :data:`METADATA_KEY`. Weights are kept as they are (OpenVINO's
    ``save_model`` would compress fp32 weights to fp16 by default)."""
    ov = require('openvino', 'openvino')
    if not out.endswith('.xml'):
        raise ValueError(f'{out}: an OpenVINO IR is written as a .xml file '
                         '(and a .bin beside it)')
    model.set_rt_info(metadata_value, METADATA_KEY)
    ov.save_model(model, out, compress_to_fp16=False)


def onnx_to_openvino(onnx_file: str, out: Optional[str] = None):
    """``ov.convert_model`` of an exported ONNX file: the ``ov.Model``,
    written as an IR to ``out`` when given, with the file's metadata."""
    ov = require('openvino', 'openvino')
    from .openvino_model import openvino_metadata
    model = ov.convert_model(onnx_file)
    meta = openvino_metadata(model, onnx_file)
    if out is not None:
        save_openvino(model, out, meta['value'])
    return model
