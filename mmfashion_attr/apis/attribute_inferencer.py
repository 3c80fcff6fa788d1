"""Attribute predictions for new images, in the style of mmpretrain's inferencers."""
import codecs
import os
import os.path as osp
from typing import Callable, List, Optional, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmpretrain.apis.base import BaseInferencer
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample
from torch.utils.data import DataLoader

from ..analysis.garment_ood import (SCORES, GarmentDetector, category_task,
                                    head_outputs)
from ..datasets.schema import task_slices
from ..datasets.transforms.loading import ImageDecodeError
from ..errors import UserValueError
from ..evaluation.auto_accept import (auto_thresholds, check_auto_accept,
                                       mark)
from ..evaluation.thresholds import (binarize, evaluator_thresholds,
                                     load_thresholds, threshold_for)
from .image_path_dataset import ImagePathDataset
from .trained_model import init_trained_model

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def expand_inputs(inputs) -> list:
    """An image, a folder (its images, sorted), a ``.txt`` list file (one
    path per line) or a list of paths / arrays -> a flat list."""
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    if isinstance(inputs, str) and osp.isdir(inputs):
        return sorted(osp.join(inputs, f) for f in os.listdir(inputs)
                      if f.lower().endswith(IMAGE_EXTENSIONS))
    if isinstance(inputs, str) and inputs.lower().endswith('.txt'):
        return read_image_list(inputs)
    return [inputs]


def read_image_list(path: str) -> List[str]:
    """A list file: one image path per line, blank lines skipped, a UTF-8
    BOM dropped; any bytes (a name that is not UTF-8 is kept as the
    filesystem's ``str``, :func:`os.fsdecode`, so it opens as listed).
    ``infer_catalog`` reads its ``--list`` with it too."""
    with open(path, 'rb') as f:
        data = f.read()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return [os.fsdecode(n.strip()) for n in data.splitlines() if n.strip()]


def format_scores(score: np.ndarray, tasks: List[dict], thresholds) -> dict:
    """One image's flat scores -> ``attributes`` (task -> chosen values with
    scores, best first) and ``scores`` (task -> value -> score). When
    ``thresholds`` carry auto-accept thresholds (a calibrate_thresholds.py
    ``--target-precision`` file), each chosen value also has ``decision``:
    ``'auto'`` or ``'review'`` (:mod:`..evaluation.auto_accept`)."""
    result = dict(attributes={}, scores={})
    auto = auto_thresholds(thresholds)
    for task, sl in zip(tasks, task_slices(tasks)):
        task_score = score[sl]
        chosen = binarize(task_score[None], task['multi_label'],
                          threshold_for(thresholds, task['name']))[0]
        values = [
            dict(value=task['classes'][k], score=round(float(task_score[k]),
                                                       4))
            for k in np.argsort(-task_score) if chosen[k]]
        if auto is not None:
            mark(values, task_score, chosen, task, auto)
        result['attributes'][task['name']] = values
        result['scores'][task['name']] = {
            c: round(float(v), 4) for c, v in zip(task['classes'], task_score)}
    return result


def result_fields(sample: DataSample, tasks: List[dict], thresholds) -> dict:
    """One predicted sample's output fields: :func:`format_scores`, plus
    ``garment`` (True, ``'review'`` or False) and ``garment_score`` when a
    garment detector judged it."""
    result = format_scores(sample.pred_score.cpu().numpy(), tasks,
                           thresholds)
    if 'garment' in sample:
        result.update(garment=sample.garment,
                      garment_score=round(sample.garment_score, 4))
    return result


def test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline (loading to packing)."""
    return Compose([TRANSFORMS.build(t)
                    for t in cfg.test_dataloader.dataset.pipeline])


def model_tasks(model) -> List[dict]:
    """Tasks (name, multi_label, classes) in score order: the checkpoint's
    dataset meta, else the head's (value names then are indices)."""
    meta = getattr(model, 'dataset_meta', None) or {}
    if 'tasks' in meta:
        return meta['tasks']
    return [dict(name=t['name'], multi_label=t['multi_label'],
                 classes=t.get('classes', [str(i) for i in range(
                     t['num_classes'])])) for t in model.head.tasks]


class AttributeInferencer(BaseInferencer):
    """Predict every attribute of fashion images.

    Args:
        model (str | Config): Config file (or object) of a trained model.
        pretrained (str): Its checkpoint, or with another backend a file
            from ``tools/deployment/export_backend.py`` (or
            ``pytorch2onnx.py``) of that backend.
        device (str, optional): e.g. ``'cuda'``; default CPU or as given.
        backend (str): ``'pytorch'``, ``'onnxruntime'``,
            ``'onnxruntime-int8'``, ``'openvino'`` or ``'openvino-int8'``
            (those four: the config then gives only the test pipeline and
            the default thresholds; the file's kind and precision must be
            the backend's, its package installed: the deploy or openvino
            extra), or ``'auto'``: of those that run ``pretrained``, the
            fastest on this CPU, timed on opening
            (:func:`~mmfashion_attr.deployment.pick_backend.pick_backend`;
            ``backend`` and ``backend_choice`` then say which and why).
        backend_threads (int, optional): Threads of the ONNX Runtime /
            OpenVINO backends (``intra_op_num_threads``,
            ``INFERENCE_NUM_THREADS``); default the runtime's own.
        thresholds (float | dict | str, optional): Multi-label thresholds:
            one value, per task, or a file from
            ``tools/analysis_tools/calibrate_thresholds.py``. Default: those of
            the config's ``test_evaluator`` (so results agree with
            ``tools/test.py``), else 0.5. A file written with
            ``--target-precision`` also marks each predicted value
            ``decision: 'auto'`` or ``'review'``.
        garment_detector (str, optional): A ``GarmentDetector`` file for
            this model (``garment_ood_report.py --save-detector``): each
            result then says whether the image is a garment (``garment``:
            True, ``'review'`` or False, by the detector's validation
            thresholds, and ``garment_score``). PyTorch backend only (it
            reads the head's fused features).
        garment_score (str): The detector's score to decide by (default
            ``'combined'``).

    Each result: ``img_path``, ``attributes`` (task -> predicted values with
    scores, best first; single-label tasks give their top value; with
    auto-accept thresholds each value's ``decision``) and
    ``scores`` (task -> value -> score); with a garment detector,
    ``garment`` and ``garment_score``. Per-category allowed values are
    applied by the head when the config enables ``value_masks``.

    Example:
        >>> inferencer = AttributeInferencer('configs/...py', 'epoch_12.pth')
        >>> inferencer('shirt.jpg')[0]['attributes']['neck_type']
        [{'value': 'collar', 'score': 0.91}]
    """

    def __init__(self, model: Union[str, Config], pretrained: str,
                 device: Optional[str] = None, thresholds=None,
                 backend: str = 'pytorch',
                 garment_detector: Optional[str] = None,
                 garment_score: str = 'combined',
                 backend_threads: Optional[int] = None, **kwargs):
        from ..deployment.backends import check_backend, check_model_file
        runtime_model, self.backend_choice = None, None
        if backend == 'auto':
            from ..deployment.pick_backend import pick_backend
            backend, runtime_model, self.backend_choice = pick_backend(
                pretrained, device, backend_threads)
        if garment_detector is not None and backend != 'pytorch':
            raise UserValueError(
                f'a garment detector needs the pytorch backend (the head\'s '
                f'fused features), not {backend!r}')
        self.backend = check_backend(backend)
        if backend != 'pytorch':
            from ..deployment import open_runtime_model
            self.config = model if isinstance(model, Config) else \
                Config.fromfile(model)
            self.model = runtime_model or open_runtime_model(
                backend, pretrained, device, backend_threads)
            self.pipeline = self._init_pipeline(self.config)
            self.visualizer = None
            self.tasks = self.model.tasks
        else:
            if backend_threads is not None:
                raise UserValueError(
                    'backend threads are for the onnxruntime and openvino '
                    "backends; PyTorch's: torch.set_num_threads or "
                    'OMP_NUM_THREADS')
            check_model_file(pretrained, backend)
            config = model if isinstance(model, Config) else \
                Config.fromfile(model)
            if kwargs:
                config.merge_from_dict({'model': kwargs})
            super().__init__(init_trained_model(config, pretrained, device),
                             pretrained=False, device=device)
            self.tasks = model_tasks(self.model)
        if thresholds is None:
            thresholds = evaluator_thresholds(
                self.config.get('test_evaluator'))
        self.thresholds = load_thresholds(thresholds)
        check_auto_accept(auto_thresholds(self.thresholds), self.tasks,
                          thresholds if isinstance(thresholds, str)
                          else 'thresholds')
        if backend == 'pytorch':
            self.model.head.thresholds = self.thresholds  # pred_label agrees
        self.garment_detector, self.garment_score = None, garment_score
        if garment_detector is not None:
            self._init_garment_detector(garment_detector)

    def _init_garment_detector(self, path: str) -> None:
        if self.garment_score not in SCORES:
            raise UserValueError(f'garment score {self.garment_score!r}: '
                                 f'one of {list(SCORES)}')
        detector = GarmentDetector.load(path)
        if self.garment_score not in detector.thresholds:
            raise UserValueError(
                f'{path}: no threshold for the {self.garment_score!r} score '
                f'(it has {sorted(detector.thresholds)})')
        categories = category_task(self.model.head)[1]
        num_classes = categories.stop - categories.start
        if detector.means.shape[0] != num_classes:
            raise UserValueError(
                f'{path}: a detector for another model ('
                f'{detector.means.shape[0]} categories; this model has '
                f'{num_classes})')
        self.garment_detector = detector

    @torch.no_grad()  # as mmengine's BaseInferencer.forward, overridden
    def forward(self, inputs: dict, **kwargs) -> List[DataSample]:
        """``model.test_step``, without autograd; with a garment detector,
        its decisions on the same pass's features in each sample
        (``garment``, ``garment_score``)."""
        if self.garment_detector is None:
            return self.model.test_step(inputs)
        model = self.model
        data = model.data_preprocessor(inputs, False)
        feats = model.extract_feat(data['inputs'])
        samples = model.head.predict(feats, data['data_samples'])
        features, logits = head_outputs(model.head, feats)
        if features.shape[1] != self.garment_detector.bank.shape[1]:
            fitted = self.garment_detector.bank.shape[1]
            raise UserValueError(
                f'the garment detector was fitted on {fitted}-d features, '
                f'this model gives {features.shape[1]}')
        for sample, decision in zip(samples, self.garment_detector.decide(
                features, logits, self.garment_score)):
            sample.set_field(decision['garment'], 'garment',
                             field_type='metainfo')
            sample.set_field(decision['garment_score'], 'garment_score',
                             field_type='metainfo')
        return samples

    def _init_pipeline(self, cfg: Config) -> Callable:
        return test_pipeline(cfg)

    def _inputs_to_list(self, inputs) -> list:
        return expand_inputs(inputs)

    preprocess_kwargs = {'num_workers'}

    def preprocess(self, inputs: list, batch_size: int = 1,
                   num_workers: Optional[int] = None):
        """Batches of pipeline outputs. Paths are decoded and preprocessed in
        ``num_workers`` DataLoader workers (default: up to 4 when there is
        more than one batch of paths; 0: in this process)."""
        paths = all(isinstance(x, str) for x in inputs)
        if num_workers is None:
            num_workers = min(4, os.cpu_count() or 1) \
                if paths and len(inputs) > batch_size else 0
        if paths and num_workers > 0:
            yield from self._load_in_workers(inputs, batch_size, num_workers)
            return

        def to_results(item):
            if isinstance(item, np.ndarray):  # already decoded (BGR)
                return dict(img=item, img_shape=item.shape[:2],
                            ori_shape=item.shape[:2])
            return dict(img_path=item)

        pipeline = self.pipeline
        if any(isinstance(x, np.ndarray) for x in inputs):
            pipeline = Compose([t for t in self.pipeline.transforms
                                if 'Load' not in type(t).__name__])
        data = (pipeline(to_results(x)) for x in inputs)
        yield from map(default_collate, self._get_chunk_data(data,
                                                             batch_size))

    def _load_in_workers(self, paths, batch_size, num_workers):
        loader = DataLoader(ImagePathDataset(paths, self.pipeline),
                            batch_size=batch_size, num_workers=num_workers,
                            collate_fn=list)
        for batch in loader:
            for item in batch:
                if 'error' in item:  # as in-process loading would raise
                    raise ImageDecodeError(item['error'])
            yield default_collate(batch)

    def postprocess(self, preds: List[DataSample], visualization,
                    return_datasamples: bool = False) -> list:
        if return_datasamples:
            return preds
        return [dict(img_path=sample.get('img_path'),
                     **result_fields(sample, self.tasks, self.thresholds))
                for sample in preds]
