"""What an exported model file says about itself: its tasks, its input and
its precision, as JSON under one key (ONNX ``metadata_props``; the OpenVINO
IR's rt_info), written at export and quantisation and read back by the
runtime wrappers (one module all of them import, so they cannot drift
apart)."""
import json
from typing import Dict, Optional, Sequence

from .backends import WrongModelFileError

METADATA_KEY = 'mmfashion_attr'  # onnx metadata_props / IR rt_info key


def metadata_value(tasks: Sequence[dict], image_size: Sequence[int]) -> str:
    """The JSON stored under :data:`METADATA_KEY` by the fp32 export.

    Args:
        tasks: ``[dict(name, multi_label, classes), ...]`` in output order.
        image_size: ``(H, W)`` of the packed uint8 BGR NCHW input.
    """
    return json.dumps(dict(
        tasks=[dict(name=t['name'], multi_label=t['multi_label'],
                    classes=list(t['classes'])) for t in tasks],
        input=dict(size=list(image_size), dtype='uint8', layout='NCHW',
                   channels='BGR')))


def quantized_value(value: str, quantization: dict) -> str:
    """An fp32 file's metadata JSON, everything kept, marked int8:
    ``precision: 'int8'`` and ``quantization`` (how it was quantised)."""
    meta = json.loads(value)
    meta.update(precision='int8', quantization=quantization)
    return json.dumps(meta)


def read_metadata(custom_metadata: Dict[str, str], source: str,
                  value: Optional[str] = None) -> dict:
    """``dict(tasks, image_size, precision, value)`` from a file's custom
    metadata map (``value``: the JSON itself, when the caller read it).
    ``precision`` is ``'fp32'`` or ``'int8'`` (files written before it was
    recorded: fp32).

    Raises:
        WrongModelFileError: (a ``ValueError``) naming ``source`` when the
            file has no such metadata.
    """
    if value is None:
        if METADATA_KEY not in custom_metadata:
            raise WrongModelFileError(
                f'{source} has no {METADATA_KEY!r} metadata: export it with '
                'tools/deployment/pytorch2onnx.py or export_backend.py')
        value = custom_metadata[METADATA_KEY]
    meta = json.loads(value)
    return dict(tasks=meta['tasks'], image_size=tuple(meta['input']['size']),
                precision=meta.get('precision', 'fp32'), value=value)
