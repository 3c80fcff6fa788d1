"""Run an exported model with ONNX Runtime behind the classifier interface
that the inferencer calls (``test_step``); compare it with PyTorch."""
from typing import List, Optional

import numpy as np
import torch
from mmpretrain.structures import DataSample

from .onnx_metadata import read_metadata
from .scores_model import ScoresModel


class OnnxRuntimeModel:
    """A file from ``tools/deployment/pytorch2onnx.py`` run by ONNX Runtime.

    Args:
        onnx_file (str): The exported model.
        device (str, optional): ``'cuda'`` uses the CUDA provider when
            onnxruntime has it; default CPU.

    Attributes:
        tasks: the exported tasks (name, multi_label, classes), from the
            file's metadata.
        batch_size: the exported batch, ``None`` when dynamic.
    """

    def __init__(self, onnx_file: str, device: Optional[str] = None):
        import onnxruntime as ort
        providers = ['CPUExecutionProvider']
        if device and str(device).startswith('cuda'):
            if 'CUDAExecutionProvider' not in ort.get_available_providers():
                raise RuntimeError(
                    f'device {device!r} asked for, but this onnxruntime has '
                    f'no CUDA provider ({ort.get_available_providers()}): '
                    'install onnxruntime-gpu')
            providers.insert(0, 'CUDAExecutionProvider')
        self.session = ort.InferenceSession(onnx_file, providers=providers)
        meta = read_metadata(
            self.session.get_modelmeta().custom_metadata_map, onnx_file)
        self.tasks = meta['tasks']
        self.image_size = meta['image_size']
        batch = self.session.get_inputs()[0].shape[0]
        self.batch_size = batch if isinstance(batch, int) else None
        self.dataset_meta = dict(tasks=self.tasks)

    def scores(self, images: np.ndarray) -> np.ndarray:
        """uint8 ``(N, 3, H, W)`` BGR -> float32 scores ``(N, C)``."""
        if tuple(images.shape[2:]) != self.image_size:
            raise ValueError(f'images of size {tuple(images.shape[2:])}; '
                             f'the model was exported for {self.image_size}')
        step = self.batch_size or len(images)
        out = []
        for start in range(0, len(images), step):
            chunk = images[start:start + step]
            n = len(chunk)
            if n < step:  # fixed exported batch: pad with copies, drop them
                chunk = np.concatenate([chunk, np.repeat(chunk[-1:],
                                                         step - n, 0)])
            out.append(self.session.run(
                ['scores'], {'image': np.ascontiguousarray(chunk)})[0][:n])
        return np.concatenate(out)

    def test_step(self, data: dict) -> List[DataSample]:
        """A collated batch (``inputs``, ``data_samples``) -> samples with
        ``pred_score``, as ``ImageClassifier.test_step``."""
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        scores = torch.from_numpy(self.scores(inputs.numpy()))
        samples = data.get('data_samples') or [DataSample()
                                               for _ in range(len(scores))]
        for sample, score in zip(samples, scores):
            sample.set_pred_score(score)
        return samples


def max_score_difference(scores_model: ScoresModel, onnx_file: str,
                         images: torch.Tensor) -> float:
    """Largest absolute difference between PyTorch's and ONNX Runtime's
    scores on ``images`` (uint8, ``(N, 3, H, W)``; ONNX Runtime runs them in
    batches of the exported size)."""
    runtime = OnnxRuntimeModel(onnx_file)
    with torch.no_grad():
        expected = scores_model.eval()(images).numpy()
    actual = runtime.scores(images.numpy())
    return float(np.abs(expected - actual).max())
