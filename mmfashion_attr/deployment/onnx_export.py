"""Export a trained attribute classifier to ONNX."""
from typing import Sequence

import torch

from .onnx_metadata import METADATA_KEY, metadata_value
from .scores_model import ScoresModel


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
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, metadata_value(tasks, image_size)
    onnx.checker.check_model(model)
    onnx.save(model, out)
