"""What the ONNX Runtime and OpenVINO wrappers share: the file's metadata,
batches of the exported size, the classifier interface the inferencer calls
(``test_step``): one base class, so the backends cannot differ around
their runtime call."""
from typing import List, Optional

import numpy as np
import torch
from mmpretrain.structures import DataSample


class RuntimeModel:
    """An exported model run by a runtime, behind the classifier interface.

    Subclasses open the file, call :meth:`_set_metadata` and implement
    :meth:`_run` (one batch of the exported size, or any size when it is
    dynamic).

    Attributes:
        tasks: the exported tasks (name, multi_label, classes), from the
            file's metadata.
        image_size: ``(H, W)`` of the input.
        precision: ``'fp32'`` or ``'int8'`` (quantised), from the metadata.
        batch_size: the exported batch, ``None`` when dynamic.
        backend: the backend name, e.g. ``'onnxruntime-int8'``.
    """

    runtime = ''  # 'onnxruntime' / 'openvino'

    def _set_metadata(self, meta: dict, batch: Optional[int]) -> None:
        self.tasks = meta['tasks']
        self.image_size = meta['image_size']
        self.precision = meta['precision']
        self.metadata_value = meta['value']
        self.batch_size = batch if isinstance(batch, int) and batch > 0 \
            else None
        self.dataset_meta = dict(tasks=self.tasks)

    @property
    def backend(self) -> str:
        return self.runtime + ('-int8' if self.precision == 'int8' else '')

    def _run(self, images: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def scores(self, images: np.ndarray) -> np.ndarray:
        """uint8 ``(N, 3, H, W)`` BGR -> float32 scores ``(N, C)``."""
        if tuple(images.shape[2:]) != tuple(self.image_size):
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
            out.append(np.asarray(
                self._run(np.ascontiguousarray(chunk)),
                dtype=np.float32)[:n])
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
