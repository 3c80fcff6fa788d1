"""``backend='auto'``: of the backends that run the given model file on the
CPU, the one that scores a batch fastest here, measured when the model is
opened (a few timed batches of random images of the model's input size).

Which backends can run a file: a checkpoint only ``pytorch``; an fp32 ONNX
file ``onnxruntime`` and ``openvino``; an int8 ONNX file
``onnxruntime-int8``; an IR ``openvino`` (fp32) or ``openvino-int8``. A
backend whose package is missing is left out and named in the choice (``not_tried``).
"""
import logging
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .backends import MissingExtraError, check_model_file, file_kind
from .open_model import open_runtime_model
from .runtime_model import RuntimeModel

TIMED_RUNS = 3  # after one warm-up run; the median is kept


def candidate_backends(model_file: str) -> List[str]:
    """The backends that may run ``model_file`` by its kind (precision is
    read when it is opened: an int8 file goes to the ``*-int8`` one)."""
    if not osp.isfile(model_file):
        return ['pytorch']  # a URL or an mmengine prefix: a checkpoint
    kind = file_kind(model_file)
    if kind == 'onnx':
        return ['onnxruntime', 'openvino']
    if kind == 'openvino-ir':
        return ['openvino']
    check_model_file(model_file, 'pytorch')  # a wrong kind is named
    return ['pytorch']


def images_per_second(model: RuntimeModel, batch: int,
                      runs: int = TIMED_RUNS, seed: int = 0) -> float:
    """Median speed of ``model.scores`` on ``runs`` batches of ``batch``
    random uint8 images (one warm-up run first)."""
    h, w = model.image_size
    images = np.random.default_rng(seed).integers(
        0, 256, (model.batch_size or batch, 3, h, w), dtype=np.uint8)
    model.scores(images)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        model.scores(images)
        seconds.append(time.perf_counter() - start)
    return len(images) / float(np.median(seconds))


def pick_backend(
    model_file: str, device: Optional[str] = None,
    threads: Optional[int] = None, batch: int = 32,
    measure: Callable[[RuntimeModel, int], float] = images_per_second
) -> Tuple[str, Optional[RuntimeModel], Dict]:
    """The fastest backend for ``model_file``.

    Args:
        model_file (str): A checkpoint or an exported file.
        device (str, optional): On another device than the CPU nothing
            is timed: the file's first backend (an IR: OpenVINO on the
            CPU).
        threads (int, optional): The runtimes' threads.
        batch (int): Images per timed batch (a dynamic-batch file).
        measure: ``(model, batch) -> images/s``; timed by default.

    Returns:
        tuple: the backend, its opened model (None for ``pytorch``) and the
        choice: ``{'backend', 'images_per_second' (backend -> speed),
        'not_tried' (backend -> why), 'reason'}``.
    """
    candidates = candidate_backends(model_file)
    if candidates == ['pytorch']:
        return 'pytorch', None, dict(
            backend='pytorch', images_per_second={}, not_tried={},
            reason='a PyTorch checkpoint runs on pytorch; for onnxruntime / '
            'openvino export it (tools/deployment/export_backend.py)')
    on_device = device is not None and str(device).lower() != 'cpu'
    if on_device:
        candidates = candidates[:1]  # timed on the CPU only
    speeds, not_tried, best = {}, {}, None
    for name in candidates:
        # OpenVINO runs on the CPU here, whatever device PyTorch would use
        where = None if name == 'openvino' else device
        try:
            model = open_runtime_model(name, model_file, where, threads,
                                       any_precision=True)
        except MissingExtraError as e:
            not_tried[name] = str(e)
            continue
        if model.precision == 'int8' and name != candidates[0]:
            # an int8 ONNX file is ONNX Runtime's quantiser's: its parity
            # is checked on ONNX Runtime only
            not_tried[model.backend] = 'an int8 ONNX file runs on ' \
                'onnxruntime-int8 (OpenVINO int8: export_backend.py ' \
                '--backend openvino-int8)'
            continue
        speeds[model.backend] = round(measure(model, batch), 1)
        if best is None or speeds[model.backend] > speeds[best.backend]:
            best = model  # the slower one is released
        if model.precision == 'int8':
            break
    if best is None:
        raise MissingExtraError(
            f'{model_file}: no backend to run it: ' + '; '.join(
                not_tried.values()))
    choice = dict(backend=best.backend, images_per_second=speeds,
                  not_tried=not_tried,
                  reason=_reason(len(speeds), on_device, not_tried))
    logging.getLogger(__name__).info('backend auto: %s', describe(choice))
    return best.backend, best, choice


def _reason(measured: int, on_device: bool, not_tried: Dict) -> str:
    if measured > 1:
        return 'the fastest here'
    if on_device:
        return "the file's first backend (not timed on a device other " \
            'than the CPU)'
    if not_tried:
        return 'the only one installed for this file'
    return 'the only backend for this file'


def describe(choice: Dict) -> str:
    """One line: the chosen backend, each measured speed, what is
    missing."""
    speeds = ', '.join(f'{b} {s:g} img/s' for b, s in
                       choice['images_per_second'].items())
    text = f'{choice["backend"]} ({choice["reason"]}'
    text += f': {speeds})' if speeds else ')'
    for backend, why in choice['not_tried'].items():
        text += f'; {backend} not tried: {why}'
    return text
