"""Is it a garment? Out-of-distribution scores for a
:class:`~mmfashion_attr.models.heads.MultiTaskMaskedHead` classifier, a
threshold chosen on validation garments, and the decision per image:
``garment`` is ``True``, ``'review'`` ("not sure") or ``False``.

Every score is *higher for garments* (in-distribution):

* ``msp``: the maximum softmax probability of the category head
  (Hendrycks & Gimpel, ICLR 2017).
* ``energy``: ``T * logsumexp(logits / T)`` of the category logits, the
  negative free energy (Liu et al., NeurIPS 2020); ``T = 1``.
* ``mahalanobis``: minus the smallest Mahalanobis distance (squared) of
  the fused neck feature (the head's input, ``head.pre_logits``) to the
  training set's per-category means, with one covariance shared by the
  categories (Lee et al., NeurIPS 2018), shrunk towards a multiple of the
  identity (``shrinkage``) so that it inverts with few images.
* ``knn``: minus the Euclidean distance of the L2-normalised fused feature
  to its ``k``-th nearest L2-normalised training feature (Sun et al., ICML
  2022).
* ``combined``: the smallest of the four above, each standardised by the
  mean and standard deviation of its validation garments' scores: an image
  looks like a garment only when every score says so. The logit scores
  miss what the feature scores catch and back (on the demo model the
  category head is confident on noise and fabric swatches, while the
  feature scores place SynthFashion's bare backgrounds among the
  garments).

``msp`` and ``energy`` need only the model's category logits; the feature
scores need the training images' features (:meth:`GarmentDetector.fit`),
``combined`` the validation garments' too (:meth:`GarmentDetector.calibrate`).
The category task is the head's single-label category task
(``category_task``). ``k = 1`` was chosen (of 1 to 200, for
``combined``) on validation garments against synthetic non-garments of
another seed than the measured ones (configs/demo/README.md, "Not a
garment").

Decision (:meth:`GarmentDetector.decide`), from validation *garments* only
(no non-garment images are needed to choose it): ``threshold`` keeps
``recall`` (default 95 %) of validation garments at or above it
(``garment: True``); below ``review_threshold``, which keeps
``review_recall`` (default 99 %) of them, an image is ``garment: False``;
between the two it is ``'review'``.

Use at inference::

    detector = GarmentDetector.load('detector.npz')  # --save-detector
    feats = model.extract_feat(inputs)               # once per batch
    decisions = detector.decide(*head_outputs(model.head, feats))
    # [{'garment': True | 'review' | False, 'garment_score': float}, ...]

Own code: mmpretrain has no out-of-distribution scoring.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from ..errors import UserInputError, UserValueError

BASE_SCORES = ('msp', 'energy', 'mahalanobis', 'knn')
SCORES = BASE_SCORES + ('combined', )
FORMAT = 1  # of the files save() writes
THRESHOLD_KEYS = ('threshold', 'review_threshold', 'recall', 'review_recall')


# ---------------------------------------------------------------- scores
def max_softmax(logits) -> np.ndarray:
    """Maximum softmax probability per row of ``(N, C)`` logits."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return (p / p.sum(axis=1, keepdims=True)).max(axis=1)


def energy(logits, temperature: float = 1.0) -> np.ndarray:
    """``T * logsumexp(logits / T)`` per row: minus the free energy."""
    z = np.asarray(logits, np.float64) / temperature
    top = z.max(axis=1)
    return temperature * (top + np.log(np.exp(z - top[:, None]).sum(1)))


def l2_normalise(x) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def knn_distance(queries, bank, k: int, chunk: int = 1024) -> np.ndarray:
    """Euclidean distance of each (normalised) query to its ``k``-th
    nearest row of ``bank`` (normalised too)."""
    if not 1 <= k <= len(bank):
        raise UserValueError(f'k = {k} nearest neighbours, but the training '
                             f'features hold {len(bank)} images')
    queries, bank = np.asarray(queries), np.asarray(bank)
    out = []
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk]
        d2 = (q**2).sum(1)[:, None] + (bank**2).sum(1)[None] - 2 * q @ bank.T
        out.append(np.sqrt(np.maximum(
            np.partition(d2, k - 1, axis=1)[:, k - 1], 0)))
    return np.concatenate(out) if out else np.zeros(0)


def class_gaussians(features, labels, num_classes: int,
                    shrinkage: float = 0.1):
    """Per-class means ``(C, D)`` and the precision matrix ``(D, D)`` of
    the covariance shared by the classes, shrunk:
    ``(1 - s) * cov + s * mean(diag(cov)) * I``. Rows with label -1
    (unlabelled) are left out; a class without images gets no mean."""
    x = np.asarray(features, np.float64)
    labels = np.asarray(labels)
    means, centred = [], []
    for c in range(num_classes):
        rows = x[labels == c]
        if len(rows):
            means.append(rows.mean(0))
            centred.append(rows - rows.mean(0))
    if not means:
        raise UserValueError('no labelled training image to fit the '
                             'category means to')
    centred = np.concatenate(centred)
    cov = centred.T @ centred / max(len(centred), 1)
    scale = max(float(np.trace(cov)) / len(cov), 1e-12)
    cov = (1 - shrinkage) * cov + shrinkage * scale * np.eye(len(cov))
    return np.stack(means), np.linalg.inv(cov)


def mahalanobis_distance(features, means, precision) -> np.ndarray:
    """Smallest squared Mahalanobis distance to any of ``means``."""
    x = np.asarray(features, np.float64)
    best = np.full(len(x), np.inf)
    for mean in means:
        d = x - mean
        best = np.minimum(best, np.einsum('nd,de,ne->n', d, precision, d))
    return best


# ----------------------------------------------------------- evaluation
def auroc(positive, negative) -> float:
    """Area under the ROC curve of telling ``positive`` (garments) from
    ``negative`` scores: P(pos > neg) + P(pos == neg) / 2."""
    pos = np.asarray(positive, np.float64)
    neg = np.sort(np.asarray(negative, np.float64))
    if not len(pos) or not len(neg):
        raise UserValueError('AUROC needs garment and non-garment scores '
                             f'(got {len(pos)} and {len(neg)})')
    below = np.searchsorted(neg, pos, 'left')
    tied = np.searchsorted(neg, pos, 'right') - below
    return float((below + 0.5 * tied).sum() / (len(pos) * len(neg)))


def threshold_at_recall(garment_scores, recall: float) -> float:
    """The highest threshold with at least ``recall`` of ``garment_scores``
    at or above it."""
    if not 0 < recall <= 1:
        raise UserValueError(f'recall {recall}: must be in (0, 1]')
    s = np.sort(np.asarray(garment_scores, np.float64))
    if not len(s):
        raise UserValueError('no validation garments to choose a '
                             'threshold on')
    # s[k] keeps n - k >= recall * n scores (ties keep more)
    k = int(np.floor((1 - recall) * len(s) + 1e-9))
    return float(s[min(k, len(s) - 1)])


def accepted(scores, threshold: float) -> float:
    """Share of ``scores`` at or above ``threshold``."""
    scores = np.asarray(scores)
    return float((scores >= threshold).mean()) if len(scores) else \
        float('nan')


# ------------------------------------------------------------- detector
def category_task(head) -> tuple:
    """``(name, slice)`` of the head's single-label category task: its
    value-mask category when it has one, else the task named
    ``category``, else its only single-label task."""
    tasks, slices = head.tasks, head.slices
    if getattr(head, 'category_index', None) is not None:
        i = head.category_index
        return tasks[i]['name'], slices[i]
    names = [t['name'] for t in tasks]
    if 'category' in names:
        i = names.index('category')
    else:
        single = [i for i, t in enumerate(tasks) if not t['multi_label']]
        if len(single) != 1:
            raise UserValueError(
                'the head has no category task (no value masks, no task '
                f'named "category", {len(single)} single-label tasks): '
                'the logit scores need one')
        i = single[0]
    if tasks[i]['multi_label']:
        raise UserValueError(f'task {names[i]!r} is multi-label: the '
                             'category task must be single-label')
    return names[i], slices[i]


class GarmentDetector:
    """Scores images as garments or not, and decides with thresholds
    chosen on validation garments.

    Args:
        means (np.ndarray): ``(C, D)`` per-category training feature means.
        precision (np.ndarray): ``(D, D)`` shared precision matrix.
        bank (np.ndarray): ``(N, D)`` L2-normalised training features.
        k (int): Neighbour for the ``knn`` score.
        standardise (dict, optional): Base score name -> ``(mean, std)`` of
            the validation garments' scores (:meth:`calibrate`), for
            ``combined``.
        thresholds (dict, optional): Score name -> ``dict(threshold,
            review_threshold, recall, review_recall)`` (:meth:`calibrate`).
    """

    def __init__(self, means, precision, bank, k: int = 1,
                 standardise: Optional[dict] = None,
                 thresholds: Optional[dict] = None):
        self.means = np.asarray(means, np.float64)
        self.precision = np.asarray(precision, np.float64)
        self.bank = np.asarray(bank, np.float32)
        self.k = int(k)
        self.standardise = dict(standardise or {})
        self.thresholds = dict(thresholds or {})

    @classmethod
    def fit(cls, features, labels, num_classes: int, k: int = 1,
            shrinkage: float = 0.1) -> 'GarmentDetector':
        """From the training images' fused features ``(N, D)`` and their
        category indices (-1: unlabelled, used by ``knn`` only)."""
        means, precision = class_gaussians(features, labels, num_classes,
                                           shrinkage)
        return cls(means, precision, l2_normalise(features), k)

    def _base(self, name, features, category_logits):
        if name == 'msp':
            return max_softmax(category_logits)
        if name == 'energy':
            return energy(category_logits)
        if name == 'mahalanobis':
            return -mahalanobis_distance(features, self.means, self.precision)
        return -knn_distance(l2_normalise(features).astype(np.float32),
                             self.bank, self.k)

    def scores(self, features, category_logits,
               names: Sequence[str] = SCORES) -> Dict[str, np.ndarray]:
        """Score name -> ``(N, )`` scores, higher for garments."""
        unknown = [n for n in names if n not in SCORES]
        if unknown:
            raise UserValueError(f'unknown score {unknown[0]!r}; choose '
                                 f'from {list(SCORES)}')
        if 'combined' in names and set(self.standardise) != set(BASE_SCORES):
            raise UserValueError('the combined score needs the validation '
                                 'garments\' statistics: calibrate() first')
        needed = BASE_SCORES if 'combined' in names else names
        base = {n: self._base(n, features, category_logits) for n in needed}
        out = {n: base[n] for n in names if n != 'combined'}
        if 'combined' in names:
            out['combined'] = np.min([
                (base[n] - self.standardise[n][0]) / self.standardise[n][1]
                for n in BASE_SCORES], axis=0)
        return {n: out[n] for n in names}

    def calibrate(self, features, category_logits, recall: float = 0.95,
                  review_recall: float = 0.99) -> dict:
        """Standardise the base scores and choose every score's thresholds
        on validation garments."""
        if review_recall < recall:
            raise UserValueError(f'review recall {review_recall} below the '
                                 f'recall {recall}: the review band would '
                                 'be empty')
        base = self.scores(features, category_logits, BASE_SCORES)
        self.standardise = {n: (float(s.mean()), max(float(s.std()), 1e-12))
                            for n, s in base.items()}
        for name, s in self.scores(features, category_logits).items():
            self.thresholds[name] = dict(
                threshold=threshold_at_recall(s, recall),
                review_threshold=threshold_at_recall(s, review_recall),
                recall=recall, review_recall=review_recall)
        return self.thresholds

    def decide(self, features, category_logits, score: str = 'combined'
               ) -> List[dict]:
        """Per image ``dict(garment=True | 'review' | False,
        garment_score=float)`` by ``score`` and its calibrated
        thresholds."""
        if score not in self.thresholds:
            raise UserValueError(f'score {score!r} has no threshold: '
                                 'calibrate() first (calibrated: '
                                 f'{sorted(self.thresholds)})')
        t = self.thresholds[score]
        values = self.scores(features, category_logits, [score])[score]
        return [dict(garment=True if v >= t['threshold'] else
                     'review' if v >= t['review_threshold'] else False,
                     garment_score=float(v)) for v in values]

    def save(self, path: str) -> None:
        """Everything as one ``.npz`` of numbers and strings (loads without
        pickle)."""
        names = sorted(self.thresholds)
        table = np.array([[self.thresholds[n][key] for key in THRESHOLD_KEYS]
                          for n in names], np.float64).reshape(len(names), 4)
        base = sorted(self.standardise)
        np.savez_compressed(
            path, format=FORMAT, means=self.means, precision=self.precision,
            bank=self.bank, k=self.k, threshold_names=np.array(names, str),
            thresholds=table, standardise_names=np.array(base, str),
            standardise=np.array([self.standardise[n] for n in base],
                                 np.float64).reshape(len(base), 2))

    @classmethod
    def load(cls, path: str) -> 'GarmentDetector':
        """What :meth:`save` wrote; another file is a user error."""
        if not osp.exists(path):
            raise FileNotFoundError(2, 'No such file or directory', path)
        try:
            with np.load(path, allow_pickle=False) as f:
                if int(f['format']) != FORMAT:
                    raise ValueError(f'format {int(f["format"])}, not '
                                     f'{FORMAT}')
                thresholds = {str(n): dict(zip(THRESHOLD_KEYS,
                                               map(float, row)))
                              for n, row in zip(f['threshold_names'],
                                                f['thresholds'])}
                standardise = {str(n): tuple(map(float, row)) for n, row in
                               zip(f['standardise_names'], f['standardise'])}
                return cls(f['means'], f['precision'], f['bank'],
                           int(f['k']), standardise, thresholds)
        except (KeyError, ValueError, OSError) as e:
            raise UserInputError(f'{path}: not a garment detector saved by '
                                 f'GarmentDetector.save ({e})') from e


# ------------------------------------------------------ model outputs
def head_of(model):
    head = getattr(model, 'head', None)
    if head is None or not hasattr(head, 'pre_logits') or \
            not hasattr(head, 'tasks'):
        raise UserValueError(
            f'{type(model).__name__} has no MultiTaskMaskedHead-like head '
            '(tasks, pre_logits): garment scores need one')
    return head


@torch.no_grad()
def head_outputs(head, feats) -> tuple:
    """``(fused features (N, D), category logits (N, C))``, float32 numpy,
    from the neck's outputs ``feats`` (``model.extract_feat(inputs)``):
    what :meth:`GarmentDetector.decide` takes. An inferencer that already
    ran ``extract_feat`` for ``head.predict`` calls this on the same
    ``feats`` (no second backbone pass)."""
    fused = head.pre_logits(feats)
    logits = head(feats)[:, category_task(head)[1]]
    return (fused.float().cpu().numpy(), logits.float().cpu().numpy())


@torch.no_grad()
def model_outputs(model, batch: dict) -> tuple:
    """:func:`head_outputs` of one batch as a DataLoader yields it from
    the model's test pipeline (``inputs``, ``data_samples``)."""
    data = model.data_preprocessor(batch, False)
    return head_outputs(head_of(model), model.extract_feat(data['inputs']))


def test_pipeline(cfg):
    """The config's test pipeline (``test_dataloader.dataset.pipeline``),
    built, for images given by path."""
    from mmengine.dataset import Compose
    from mmpretrain.registry import TRANSFORMS
    pipeline = cfg.test_dataloader.dataset.get('pipeline') or \
        cfg.get('test_pipeline')
    if not pipeline:
        raise UserValueError('the config has no test pipeline')
    return Compose([TRANSFORMS.build(t) for t in pipeline])


@torch.no_grad()
def image_outputs(model, pipeline, paths: Sequence[str],
                  batch_size: int = 64) -> Dict[str, np.ndarray]:
    """``dict(features=(N, D), category_logits=(N, C))`` of image files
    through ``pipeline`` (:func:`test_pipeline`)."""
    from mmengine.dataset import pseudo_collate
    feats, logits = [], []
    for start in range(0, len(paths), batch_size):
        batch = pseudo_collate([pipeline(dict(img_path=p))
                                for p in paths[start:start + batch_size]])
        f, lg = model_outputs(model, batch)
        feats.append(f)
        logits.append(lg)
    if not feats:
        raise UserValueError('no images to score')
    return dict(features=np.concatenate(feats),
                category_logits=np.concatenate(logits))


def dataset_images(dataset_cfg, head) -> tuple:
    """``(image paths, category index per image, -1 where unlabelled)`` of
    a config's dataset, read without its pipeline."""
    from mmpretrain.registry import DATASETS
    ds = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    name, sl = category_task(head)
    names = [t['name'] for t in head.tasks]
    i = names.index(name)
    paths, labels = [], []
    for n in range(len(ds)):
        info = ds.get_data_info(n)
        paths.append(info['img_path'])
        gt, mask = np.asarray(info['gt_attr']), np.asarray(
            info['gt_attr_mask'])
        labels.append(int(gt[sl].argmax()) if mask[i] else -1)
    return paths, np.array(labels)


def fit_detector(model, cfg, k: int = 1, shrinkage: float = 0.1,
                 recall: float = 0.95, review_recall: float = 0.99,
                 batch_size: int = 64,
                 outputs: Optional[dict] = None) -> GarmentDetector:
    """A detector for ``model``: category means, covariance and neighbour
    bank from the config's training images, thresholds from its
    validation images. ``outputs`` (optional) receives each split's
    ``image_outputs`` under ``'train'`` and ``'val'``."""
    head = head_of(model)
    pipeline = test_pipeline(cfg)
    num_classes = category_task(head)[1].stop - category_task(head)[1].start
    got = {}
    for split, loader in (('train', cfg.train_dataloader),
                          ('val', cfg.val_dataloader)):
        paths, labels = dataset_images(loader.dataset, head)
        got[split] = dict(image_outputs(model, pipeline, paths, batch_size),
                          labels=labels)
    detector = GarmentDetector.fit(got['train']['features'],
                                   got['train']['labels'], num_classes, k,
                                   shrinkage)
    detector.calibrate(got['val']['features'],
                       got['val']['category_logits'], recall, review_recall)
    if outputs is not None:
        outputs.update(got)
    return detector



# ---------------------------------------------------------- measurement
def measure(detector: GarmentDetector, garments: dict, non_garments: dict,
            kinds: Sequence[str], names: Sequence[str] = SCORES) -> dict:
    """How well each score tells ``garments`` from ``non_garments`` (each
    ``dict(features, category_logits)``; ``kinds``: each non-garment's
    kind), with the calibrated thresholds.

    Returns:
        dict: ``garments`` (count), ``kinds`` (kind -> count) and per score
        name: ``auroc`` (kind -> AUROC, and ``all``), ``threshold``,
        ``review_threshold``, ``garments`` and ``non_garments`` (kind ->,
        and ``all`` ->) ``dict(accepted, review, rejected)`` shares.
    """
    kinds = np.asarray(kinds)
    order = list(dict.fromkeys(kinds.tolist()))
    if len(kinds) != len(non_garments['features']):
        raise UserValueError(f'{len(kinds)} kinds for '
                             f'{len(non_garments["features"])} non-garments')
    pos = detector.scores(garments['features'],
                          garments['category_logits'], names)
    neg = detector.scores(non_garments['features'],
                          non_garments['category_logits'], names)

    def shares(s, t):
        yes = s >= t['threshold']
        review = ~yes & (s >= t['review_threshold'])
        return dict(accepted=float(yes.mean()), review=float(review.mean()),
                    rejected=float((~yes & ~review).mean()))

    out = dict(garments=int(len(garments['features'])),
               kinds={k: int((kinds == k).sum()) for k in order},
               scores={})
    for name in names:
        t = detector.thresholds[name]
        groups = {k: neg[name][kinds == k] for k in order}
        groups['all'] = neg[name]
        out['scores'][name] = dict(
            auroc={k: auroc(pos[name], s) for k, s in groups.items()},
            threshold=t['threshold'],
            review_threshold=t['review_threshold'],
            garments=shares(pos[name], t),
            non_garments={k: shares(s, t) for k, s in groups.items()})
    return out
