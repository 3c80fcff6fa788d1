"""Out-of-fold scores from linear heads on frozen features: the config's
frozen backbone runs once per image, its maps are pooled (mean and max
per channel of each output), and per attribute and fold a logistic
regression is fitted on the labelled rows of the other folds. K folds and
a grid of regularisation strengths then cost seconds, not K trainings.

Own code: scikit-learn fits the regressions; pooling an mmpretrain
backbone's maps, the per-attribute fits on labelled rows only and the
choice of strength by out-of-fold log-loss on the seller labels are
this module's. Work folder layout (``cross_val_scores.py --heads linear``)::

    DIR/folds.json          the split, as for trained fold models
    DIR/features.npz        pooled features per image, with a hash of the
                            config and the image list (reused by a rerun)
    DIR/heads.json          per task: strength chosen, out-of-fold log-loss
    DIR/oof_scores.jsonl    every image's held-out scores (infer_catalog's
                            format)
    DIR/in_sample_scores.jsonl  (with ``in_sample``) heads fitted on every
                            labelled row scoring their own rows
"""
import copy
import hashlib
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from ..apis.catalog_output import dump_line, path_fields
from ..datasets.schema import task_slices
from .out_of_fold import OOF, build_train_dataset, load_or_make_split

FEATURES, HEADS, IN_SAMPLE = ('features.npz', 'heads.json',
                              'in_sample_scores.jsonl')
# logistic-regression strengths tried per task (sklearn's C, on
# standardised features); the one with the least out-of-fold log-loss on
# the seller labels is kept
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)


def frozen_backbone(model):
    """The network whose maps are pooled: the model's backbone, or the one
    inside a ``FrozenFeatureCache`` (no cache needed: pooled features are
    kept instead). Every parameter must be frozen (ValueError)."""
    backbone = model.backbone
    inner = getattr(backbone, 'backbone', None)
    if type(backbone).__name__ == 'FrozenFeatureCache' and inner is not None:
        backbone = inner
    trainable = [n for n, p in backbone.named_parameters()
                 if p.requires_grad]
    if trainable:
        raise ValueError(
            f'--heads linear needs a frozen backbone; {len(trainable)} '
            f'parameters train (first: {trainable[0]}): freeze it all '
            '(frozen_stages, norm_eval) as configs/label_audit/'
            'synthfashion_noisy_lite0_frozen.py does, or use --heads config')
    return backbone.eval()


def pooled_features(cfg: Config, paths: Sequence[str], batch_size: int = 32,
                    num_workers: int = 2, log: Callable = print
                    ) -> Tuple[np.ndarray, Dict[int, str]]:
    """Per image, the mean and the max of each channel of each of the
    frozen backbone's output maps (the config's test pipeline and data
    preprocessor); rows of unreadable images are NaN. Returns the
    features and ``{row: error}`` of the unreadable images."""
    import torch
    from mmpretrain.registry import MODELS
    from torch.utils.data import DataLoader

    from ..apis.attribute_inferencer import test_pipeline
    from ..apis.catalog_inference import collate
    from ..apis.image_path_dataset import ImagePathDataset
    spec = copy.deepcopy(cfg.model)
    if 'data_preprocessor' in cfg:  # as the Runner and get_model merge it
        spec.setdefault('data_preprocessor',
                        copy.deepcopy(cfg.data_preprocessor))
    model = MODELS.build(spec)
    model.init_weights()
    model.eval()
    backbone = frozen_backbone(model)
    index = {p: i for i, p in enumerate(paths)}
    loader = DataLoader(ImagePathDataset(list(paths), test_pipeline(cfg)),
                        batch_size=batch_size, num_workers=num_workers,
                        collate_fn=collate)
    rows: List[Optional[np.ndarray]] = [None] * len(paths)
    errors: Dict[int, str] = {}
    done = 0
    with torch.no_grad():
        for data, bad in loader:
            for b in bad:
                errors[index[b['img_path']]] = str(b['error'])
            if data is None:
                continue
            batch = model.data_preprocessor(data, False)
            maps = backbone(batch['inputs'])
            pooled = torch.cat([torch.cat([m.mean((2, 3)), m.amax((2, 3))], 1)
                                for m in maps], 1).numpy()
            for sample, vector in zip(batch['data_samples'], pooled):
                rows[index[sample.img_path]] = vector
            done += len(pooled)
            log(f'features: {done + len(errors)}/{len(paths)} images')
    width = next(len(r) for r in rows if r is not None)
    return np.stack([r if r is not None else np.full(width, np.nan)
                     for r in rows]).astype(np.float32), errors


def _fit_predict(x_train, y_train, x_test, strength, multi_label, classes):
    """Scores of ``x_test`` (len(classes) columns) by logistic regressions
    fitted on (x_train, y_train): multinomial over the values seen
    (single-label; unseen values score 0), one per value (multi-label; a
    value always or never present scores its training share)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    out = np.zeros((len(x_test), classes))
    if multi_label:
        for j in range(classes):
            y = y_train[:, j]
            if y.min() == y.max():
                out[:, j] = y.mean()
                continue
            model = LogisticRegression(C=strength, max_iter=1000)
            out[:, j] = model.fit(x_train, y).predict_proba(x_test)[:, 1]
        return out
    seen = np.unique(y_train)
    if len(seen) == 1:
        out[:, seen[0]] = 1.0
        return out
    model = LogisticRegression(C=strength, max_iter=1000).fit(x_train,
                                                              y_train)
    out[:, model.classes_] = model.predict_proba(x_test)
    return out


def _log_loss(probs, y, multi_label) -> float:
    p = np.clip(probs, 1e-7, 1 - 1e-7)
    if multi_label:
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


def fit_heads(features: np.ndarray, gt: np.ndarray, mask: np.ndarray,
              tasks: List[dict], folds: Sequence[Sequence[int]],
              strengths: Sequence[float] = STRENGTHS, in_sample: bool = False
              ) -> Tuple[np.ndarray, Optional[np.ndarray], Dict[str, dict]]:
    """Out-of-fold scores (rows x every task's values, as the head's flat
    ``pred_score``) of linear heads, per task the strength with the least
    out-of-fold log-loss; with ``in_sample``, also the scores of heads of
    that strength fitted on every labelled row. ``gt``: the dataset's flat
    ``gt_attr`` rows, ``mask``: its ``gt_attr_mask`` (task labelled);
    rows whose features are NaN (unreadable) are left out and score NaN."""
    n = len(features)
    readable = ~np.isnan(features).any(1)
    oof = np.full(gt.shape, np.nan)
    own = np.full(gt.shape, np.nan) if in_sample else None
    report = {}
    for t, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        multi, width = bool(task['multi_label']), sl.stop - sl.start
        labelled = mask[:, t].astype(bool) & readable
        target = gt[:, sl] if multi else gt[:, sl].argmax(1)
        best = None
        for strength in strengths:
            probs = np.full((n, width), np.nan)
            for held in folds:
                held = np.asarray(held)
                train = np.setdiff1d(np.flatnonzero(labelled), held)
                test = held[readable[held]]
                if len(train) == 0 or len(test) == 0:
                    continue
                probs[test] = _fit_predict(features[train], target[train],
                                           features[test], strength, multi,
                                           width)
            scored = labelled & ~np.isnan(probs).any(1)
            loss = _log_loss(probs[scored], target[scored], multi) \
                if scored.any() else float('inf')
            if best is None or loss < best[0]:
                best = (loss, strength, probs)
        loss, strength, probs = best
        oof[:, sl] = probs
        report[task['name']] = dict(strength=strength,
                                    oof_log_loss=round(loss, 4),
                                    labelled=int(labelled.sum()))
        if in_sample and labelled.any():
            rows = np.flatnonzero(readable)
            own[rows, sl] = _fit_predict(features[labelled],
                                         target[labelled], features[rows],
                                         strength, multi, width)
    return oof, own, report


def _write_scores(path: str, paths: Sequence[str], scores: np.ndarray,
                  tasks: List[dict], errors: Dict[int, str]) -> None:
    from ..apis.attribute_inferencer import format_scores
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        for i, p in enumerate(paths):
            if i in errors or np.isnan(scores[i]).any():
                f.write(dump_line(dict(path_fields(p),
                                       error=errors.get(i, 'not scored'))))
            else:
                f.write(dump_line(dict(path_fields(p), **format_scores(
                    scores[i], tasks, 0.5))))
    os.replace(path + '.tmp', path)


def _cached_features(cfg, work_dir, paths, batch_size, num_workers, log):
    """:func:`pooled_features`, kept in ``features.npz`` for the same
    config and images."""
    key = hashlib.sha1((cfg.pretty_text + '\n'.join(paths)).encode()
                       ).hexdigest()
    path = osp.join(work_dir, FEATURES)
    if osp.exists(path):
        with np.load(path, allow_pickle=False) as saved:
            if str(saved['key']) == key:
                errors = json.loads(str(saved['errors']))
                return saved['features'], {int(k): v
                                           for k, v in errors.items()}
    features, errors = pooled_features(cfg, paths, batch_size, num_workers,
                                       log)
    np.savez(path + '.tmp.npz', features=features, key=key,
             errors=json.dumps(errors))
    os.replace(path + '.tmp.npz', path)
    return features, errors


def linear_cross_val_scores(cfg: Config, work_dir: str, k: int,
                            seed: int = 0, batch_size: int = 32,
                            num_workers: int = 2, in_sample: bool = False,
                            log: Callable[[str], None] = print) -> dict:
    """``oof_scores.jsonl`` (and with ``in_sample``
    ``in_sample_scores.jsonl``) of linear heads on the config's frozen
    backbone; returns the report (rows, per-task strengths, seconds)."""
    start = time.time()
    work_dir = osp.abspath(work_dir)
    dataset = build_train_dataset(cfg)
    split = load_or_make_split(work_dir, dataset, k, seed,
                               cfg.pretty_text + '\nheads=linear')
    paths = [dataset._img_path(dataset.table.image(i))
             for i in range(len(dataset))]
    features, errors = _cached_features(cfg, work_dir, paths, batch_size,
                                        num_workers, log)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    gt = np.stack([np.asarray(d['gt_attr'], dtype=np.float64)
                   for d in infos])
    mask = np.stack([np.asarray(d['gt_attr_mask']) for d in infos])
    tasks = dataset.metainfo['tasks']
    fit_start = time.time()
    oof, own, heads = fit_heads(features, gt, mask, tasks, split['indices'],
                                in_sample=in_sample)
    out = osp.join(work_dir, OOF)
    _write_scores(out, paths, oof, tasks, errors)
    report = dict(k=k, seed=seed, rows=len(paths), heads='linear',
                  oof_scores=out, lines=len(paths), unreadable=len(errors),
                  tasks=heads, fit_seconds=round(time.time() - fit_start, 1),
                  seconds=round(time.time() - start, 1))
    if in_sample:
        report['in_sample_scores'] = osp.join(work_dir, IN_SAMPLE)
        _write_scores(report['in_sample_scores'], paths, own, tasks, errors)
    with open(osp.join(work_dir, HEADS), 'w') as f:
        json.dump(heads, f, indent=1)
    log(f'linear heads: {json.dumps(heads)}')
    return report
