"""Open a model file with the runtime its backend names, kind and precision
checked: the one entry of the inferencer, the service and the parity tool
(so that every one of them refuses the same wrong files)."""
from typing import Optional

from .backends import (RUNTIME_BACKENDS, check_model_file, check_precision,
                       require)
from .runtime_model import RuntimeModel


def open_runtime_model(backend: str, model_file: str,
                       device: Optional[str] = None,
                       threads: Optional[int] = None,
                       any_precision: bool = False) -> RuntimeModel:
    """``backend`` (one of :data:`RUNTIME_BACKENDS`) running
    ``model_file``: an :class:`OnnxRuntimeModel` or :class:`OpenVinoModel`.

    ``any_precision``: open an int8 file with the fp32 backend's name (and
    the reverse); the model's ``backend`` then says which it is.

    Raises:
        MissingExtraError: the backend's package is not installed (the
            message names the pip extra).
        WrongModelFileError: ``model_file`` is of another kind (a
            checkpoint, an IR for ONNX Runtime) or precision (fp32 for an
            ``*-int8`` backend, or the reverse).
    """
    if backend not in RUNTIME_BACKENDS:
        raise ValueError(f'backend {backend!r}: one of {RUNTIME_BACKENDS}')
    runtime = backend.replace('-int8', '')
    require(runtime, backend)  # the extra before the file
    check_model_file(model_file, backend)
    if runtime == 'onnxruntime':
        from .onnxruntime_model import OnnxRuntimeModel
        model = OnnxRuntimeModel(model_file, device, threads)
    else:
        from .openvino_model import OpenVinoModel
        model = OpenVinoModel(model_file, device, threads)
    if not any_precision:
        check_precision(model_file, backend, model.precision)
    return model
