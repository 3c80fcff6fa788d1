"""What an exported ONNX file says about itself: its tasks and its input, as
JSON under one ``metadata_props`` key, written at export and read back by the
runtime wrapper (one module both import, so the two cannot drift apart)."""
import json
from typing import Dict, Sequence

METADATA_KEY = 'mmfashion_attr'  # onnx metadata_props key: tasks, input


def metadata_value(tasks: Sequence[dict], image_size: Sequence[int]) -> str:
    """The JSON stored under :data:`METADATA_KEY`.

    Args:
        tasks: ``[dict(name, multi_label, classes), ...]`` in output order.
        image_size: ``(H, W)`` of the packed uint8 BGR NCHW input.
    """
    return json.dumps(dict(
        tasks=[dict(name=t['name'], multi_label=t['multi_label'],
                    classes=list(t['classes'])) for t in tasks],
        input=dict(size=list(image_size), dtype='uint8', layout='NCHW',
                   channels='BGR')))


def read_metadata(custom_metadata: Dict[str, str], source: str) -> dict:
    """``dict(tasks, image_size)`` from an ONNX file's custom metadata map.

    Raises:
        ValueError: naming ``source`` when the file has no such metadata.
    """
    if METADATA_KEY not in custom_metadata:
        raise ValueError(f'{source} has no {METADATA_KEY!r} metadata: '
                         'export it with tools/deployment/pytorch2onnx.py')
    meta = json.loads(custom_metadata[METADATA_KEY])
    return dict(tasks=meta['tasks'], image_size=tuple(meta['input']['size']))
