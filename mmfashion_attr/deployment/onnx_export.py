"""Export a trained attribute classifier to ONNX; compare it with PyTorch."""
import json
from typing import Sequence

import numpy as np
import torch

from .scores_model import ScoresModel

METADATA_KEY = 'mmfashion_attr'  # onnx metadata_props key: tasks, input


def export_onnx(scores_model: ScoresModel, out: str, image_size: Sequence[int],
                tasks: list, batch_size: int = 1, dynamic_batch: bool = False,
                opset: int = 18) -> None:
    """Write ``scores_model`` to ``out``: input ``image`` (uint8, BGR,
    ``(N, 3, H, W)``), output ``scores`` (float32, ``(N, num_classes)``).

    The tasks (names, multi-label flags, value names) and the input size are
    stored in the file's metadata, so the file alone says what each output
    column means.

    Args:
        image_size: ``(H, W)`` of the packed images (the test pipeline's
            output size).
        tasks: ``[dict(name, multi_label, classes), ...]`` in output order.
        batch_size: batch of the example input; the exported batch unless
            ``dynamic_batch``.
        dynamic_batch: any batch size at run time.
        opset: ONNX opset version.
    """
    import onnx
    example = torch.randint(0, 256, (batch_size, 3, *image_size),
                            dtype=torch.uint8)
    shapes = ({0: torch.export.Dim('batch', min=1)}, ) \
        if dynamic_batch else None
    with torch.no_grad():
        # torch.export-based exporter (torch's default since 2.9; needs
        # onnxscript), one self-contained file
        torch.onnx.export(scores_model.eval(), (example, ), out,
                          input_names=['image'], output_names=['scores'],
                          dynamic_shapes=shapes, opset_version=opset,
                          dynamo=True, external_data=False, verbose=False)
    model = onnx.load(out)
    meta = dict(tasks=[dict(name=t['name'], multi_label=t['multi_label'],
                            classes=list(t['classes'])) for t in tasks],
                input=dict(size=list(image_size), dtype='uint8',
                           layout='NCHW', channels='BGR'))
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta)
    onnx.checker.check_model(model)
    onnx.save(model, out)


def max_score_difference(scores_model: ScoresModel, onnx_file: str,
                         images: torch.Tensor) -> float:
    """Largest absolute difference between PyTorch's and ONNX Runtime's
    scores on ``images`` (uint8, ``(N, 3, H, W)``; ONNX Runtime runs them in
    batches of the exported size)."""
    from .onnxruntime_model import OnnxRuntimeModel
    runtime = OnnxRuntimeModel(onnx_file)
    with torch.no_grad():
        expected = scores_model.eval()(images).numpy()
    actual = runtime.scores(images.numpy())
    return float(np.abs(expected - actual).max())
