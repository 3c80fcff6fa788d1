"""The models behind the HTTP service: the inferencers' own pipeline, model
and output formatting, split into ``prepare`` (one upload -> a packed
sample; request threads) and ``predict`` (packed samples -> results; one
model call on the batcher's thread)."""
import hashlib
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.dataset import default_collate, pseudo_collate
from mmpretrain.datasets.transforms import ResizeEdge

from ..apis.attribute_inferencer import AttributeInferencer, result_fields
from ..apis.m2fashion_inferencer import M2FashionInferencer
from ..datasets.transforms.loading import ImageDecodeError, LoadFashionImage
from ..evaluation.thresholds import threshold_for
from .request_parsing import RequestError, Upload


def file_sha256(path: str) -> str:
    """SHA-256 of the file; of an OpenVINO IR (``.xml``): of the ``.xml``
    followed by its ``.bin`` (the weights), so that other weights under the
    same ``.xml`` are another model."""
    from ..deployment.backends import file_kind
    paths = [path]
    weights = osp.splitext(path)[0] + '.bin'
    if osp.isfile(path) and file_kind(path) == 'openvino-ir' and \
            osp.isfile(weights):
        paths.append(weights)
    digest = hashlib.sha256()
    for name in paths:
        with open(name, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                digest.update(block)
    return digest.hexdigest()


class KeepOnePixelResizeEdge(ResizeEdge):
    """mmpretrain's ``ResizeEdge`` keeping at least 1 pixel per side.

    ``ResizeEdge`` makes the other side ``int(scale * short / long)``: 0 for
    an image more than ``scale`` times wider than tall (a 300x1 banner at
    64 px), which cv2 then refuses. Every other image is resized exactly as
    by ``ResizeEdge``.
    """

    def _resize_img(self, results: dict) -> None:
        width, height = results['scale']
        results['scale'] = (max(width, 1), max(height, 1))
        super()._resize_img(results)


def check_pipeline(pipeline, config_name: str) -> None:
    """The service hands uploads to ``LoadFashionImage`` as bytes; its
    ``ResizeEdge`` steps are swapped for :class:`KeepOnePixelResizeEdge`
    (in place) so that any aspect ratio is served."""
    first = pipeline.transforms[0] if pipeline.transforms else None
    if not isinstance(first, LoadFashionImage):
        raise ValueError(f'{config_name}: the test pipeline starts with '
                         f'{type(first).__name__}; the service needs '
                         'LoadFashionImage (it decodes the uploaded bytes)')
    for i, step in enumerate(pipeline.transforms):
        if type(step) is ResizeEdge:
            pipeline.transforms[i] = KeepOnePixelResizeEdge(
                step.scale, step.edge, step.backend, step.interpolation)


def undecodable(upload: Upload, message: str) -> RequestError:
    return RequestError(400, 'undecodable_image', message, upload.name)


def run_pipeline(pipeline, upload: Upload, **extra) -> dict:
    """One upload through a test pipeline. Whatever fails in decoding it
    (the pipeline's first step, ``LoadFashionImage``: a truncated JPEG,
    Pillow raising on a hostile file) is a 400 naming it; a failure in a
    later step is a fault of the service."""
    load, *steps = pipeline.transforms
    try:
        results = load(dict(img_path=upload.name, img_bytes=upload.content,
                            **extra))
    except ImageDecodeError as e:
        raise undecodable(upload, str(e))
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 (Pillow on a hostile file)
        raise undecodable(upload, f'cannot load image {upload.name}: '
                          f'{type(e).__name__}: {e}')
    if results is None:  # a loader with skip_bad=True
        raise undecodable(upload, f'cannot load image {upload.name}')
    for step in steps:  # as mmcv's Compose
        results = step(results)
        if results is None:
            raise undecodable(upload, f'cannot process image {upload.name}'
                              f' ({type(step).__name__} dropped it)')
    return results


class AttributePredictor:
    """Every attribute of an image, as :class:`AttributeInferencer` gives it.

    Args:
        inferencer (AttributeInferencer): Its pipeline, model (PyTorch,
            ONNX Runtime or OpenVINO), tasks and thresholds are used as
            they are.
        config_name (str): Shown in the schema and errors.
        checkpoint (str, optional): The weights file, hashed for the schema.

    Per image and task: ``values`` (the chosen values with scores, best
    first: the inferencer's ``attributes``), ``scores`` (value -> score),
    ``multi_label`` and ``threshold`` (multi-label tasks; single-label ones
    take their top value, none where the category masks every value).
    """

    takes_known = False

    @property
    def backend(self) -> str:
        """'pytorch', or the runtime model's backend: 'onnxruntime',
        'onnxruntime-int8', 'openvino', 'openvino-int8' (metrics,
        /v1/schema)."""
        return getattr(self.inferencer.model, 'backend', 'pytorch')

    def __init__(self, inferencer: AttributeInferencer, config_name: str,
                 checkpoint: Optional[str] = None):
        self.inferencer, self.config_name = inferencer, config_name
        self.checkpoint_sha256 = file_sha256(checkpoint) if checkpoint \
            else None
        check_pipeline(inferencer.pipeline, config_name)

    def prepare(self, upload: Upload, known: Optional[dict]) -> Tuple:
        if known:
            raise RequestError(
                400, 'known_not_supported',
                f'{upload.name}: this model ({self.config_name}) takes no '
                'known attributes; send the image alone (models that take '
                'them, e.g. M2Fashion, list "takes_known": true in '
                '/v1/schema)', upload.name)
        return run_pipeline(self.inferencer.pipeline, upload), None

    def predict(self, items: Sequence[Tuple]) -> List[dict]:
        """One model call for ``items`` from :meth:`prepare`."""
        samples = self.inferencer.forward(default_collate(  # no autograd
            [packed for packed, _ in items]))
        return [self.format(s) for s in samples]

    def format(self, sample) -> dict:
        """One predicted sample's answer; with a garment detector, also
        ``garment`` (True, ``'review'`` or False) and ``garment_score``."""
        inf = self.inferencer
        flat = result_fields(sample, inf.tasks, inf.thresholds)
        garment = {k: flat[k] for k in ('garment', 'garment_score')
                   if k in flat}
        return dict(**garment, attributes={
            t['name']: dict(
                values=flat['attributes'][t['name']],
                scores=flat['scores'][t['name']],
                multi_label=bool(t['multi_label']),
                threshold=threshold_for(inf.thresholds, t['name'])
                if t['multi_label'] else None)
            for t in inf.tasks})

    def schema(self) -> dict:
        inf = self.inferencer
        detector = inf.garment_detector
        garment = None if detector is None else dict(
            score=inf.garment_score,
            **detector.thresholds[inf.garment_score])
        return dict(
            model=self.config_name, checkpoint_sha256=self.checkpoint_sha256,
            kind='attributes', takes_known=False, garment_detector=garment,
            tasks=[dict(name=t['name'], multi_label=bool(t['multi_label']),
                        values=list(t['classes']),
                        threshold=threshold_for(inf.thresholds, t['name'])
                        if t['multi_label'] else None) for t in inf.tasks])


class M2FashionPredictor:
    """Category and attributes of an M2Fashion model, with the image's
    known attribute states given, as :class:`M2FashionInferencer` gives
    them (``category``, ``attributes``: top-k ``[name, score]``, ``given``).

    Args:
        inferencer (M2FashionInferencer): Its pipeline, model and names.
        config_name (str): Shown in the schema and errors.
        checkpoint (str, optional): The weights file, hashed for the schema.
        topk (int): Categories and attributes returned per image.
    """

    takes_known = True
    backend = 'pytorch'

    def __init__(self, inferencer: M2FashionInferencer, config_name: str,
                 checkpoint: Optional[str] = None, topk: int = 5):
        self.inferencer, self.config_name = inferencer, config_name
        self.topk = topk
        self.checkpoint_sha256 = file_sha256(checkpoint) if checkpoint \
            else None
        check_pipeline(inferencer.pipeline, config_name)

    def prepare(self, upload: Upload, known: Optional[dict]) -> Tuple:
        try:
            states = self.inferencer.states(known)
        except KeyError as e:
            raise RequestError(400, 'unknown_known_attribute',
                               f'{upload.name}: {e.args[0]}', upload.name)
        except ValueError as e:
            raise RequestError(400, 'bad_known', f'{upload.name}: {e}',
                               upload.name)
        return run_pipeline(self.inferencer.pipeline, upload,
                            known_states=states), known

    def predict(self, items: Sequence[Tuple]) -> List[dict]:
        with torch.no_grad():
            preds = self.inferencer.model.test_step(pseudo_collate(
                [packed for packed, _ in items]))
        return [self.inferencer.format(pred, known, self.topk)
                for pred, (_, known) in zip(preds, items)]

    def schema(self) -> dict:
        return dict(model=self.config_name,
                    checkpoint_sha256=self.checkpoint_sha256,
                    kind='m2fashion', takes_known=True, topk=self.topk,
                    known_states={'1': 'has it', '-1': 'has it not'},
                    categories=list(self.inferencer.classes),
                    attributes=list(self.inferencer.attributes))


def loader_draft_size(predictor) -> Optional[int]:
    """The ``draft_size`` of the predictor's ``LoadFashionImage`` (JPEGs
    are decoded at a reduced scale: :func:`.decode_cost.decode_cost`)."""
    pipeline = getattr(getattr(predictor, 'inferencer', None), 'pipeline',
                       None)
    transforms = getattr(pipeline, 'transforms', None) or [None]
    return getattr(transforms[0], 'draft_size', None)


def model_files(cfg: Config, config: Union[str, Config],
                checkpoint: str) -> dict:
    """What ``/v1/schema`` says the service runs: the config's path, the
    checkpoint's path and sha256, the attribute schema file of the model's
    head (where it has one) and its sha256."""
    head = cfg.model.get('head') or {}
    schema_file = head.get('schema_file') if hasattr(head, 'get') else None
    return dict(
        config=config if isinstance(config, str) else cfg.filename,
        checkpoint=checkpoint,
        schema_file=schema_file,
        schema_file_sha256=file_sha256(schema_file)
        if schema_file and osp.isfile(schema_file) else None)


def build_predictor(config: Union[str, Config], checkpoint: str,
                    backend: str = 'pytorch', device: Optional[str] = None,
                    thresholds=None, topk: int = 5,
                    garment_detector: Optional[str] = None,
                    garment_score: str = 'combined',
                    backend_threads: Optional[int] = None):
    """The predictor a config (file or object) calls for: M2Fashion models
    take known attributes; the attribute classifiers run on PyTorch, ONNX
    Runtime or OpenVINO (fp32 or int8); detection models are not served. A
    checkpoint that does not fit the config (missing, unexpected or
    mis-shaped keys, another attribute schema) raises :class:`CheckpointMismatchError` naming the
    keys (strict loading: :func:`init_trained_model`). A garment detector
    (``garment_ood_report.py --save-detector``) adds ``garment`` and
    ``garment_score`` to each image's answer (attribute classifiers on
    PyTorch only). ``backend_threads``: the ONNX Runtime / OpenVINO
    backends' thread count (default: the runtime's own). The predictor's
    ``files`` (:func:`model_files`) are reported by ``/v1/schema``."""
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    name = osp.basename(config if isinstance(config, str) else
                        cfg.filename or 'config')
    model_type = str(cfg.model.get('type', ''))
    if model_type.endswith('M2FashionClassifier'):
        if garment_detector is not None:
            raise ValueError(f'{name}: a garment detector needs a '
                             'MultiTaskMaskedHead attribute classifier')
        if backend != 'pytorch' or backend_threads is not None:
            raise ValueError(f'{name}: M2Fashion models are served with '
                             '--backend pytorch only (no ONNX export), '
                             'without --backend-threads')
        predictor = M2FashionPredictor(M2FashionInferencer(
            cfg, checkpoint, device=device or 'cpu'), name, checkpoint, topk)
    elif 'roi_head' in cfg.model:
        raise ValueError(f'{name}: a detection model ({model_type}); the '
                         'service serves image-level attribute models '
                         '(use demo/det_demo.py)')
    else:
        predictor = AttributePredictor(AttributeInferencer(
            cfg, checkpoint, device=device, thresholds=thresholds,
            backend=backend, garment_detector=garment_detector,
            garment_score=garment_score, backend_threads=backend_threads),
            name, checkpoint)
    predictor.files = model_files(cfg, config, checkpoint)
    return predictor
