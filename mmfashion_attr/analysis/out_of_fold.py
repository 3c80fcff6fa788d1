"""Out-of-fold scores of a catalogue's training split: K models trained
through mmengine's Runner on the same config, each with one fold held out
(folds stratified by category, given to the dataset as its ``indices``),
each scoring its held-out images with ``tools/infer_catalog.py``'s writer.

Work folder layout::

    DIR/folds.json              the split: K, seed, images per fold
    DIR/fold_<k>/               the fold's Runner work dir (checkpoints, logs)
    DIR/fold_<k>/config.py      the fold's merged config (indices included)
    DIR/fold_<k>/train_done.json  training finished: checkpoint, seconds
    DIR/fold_<k>/scores/        infer_catalog's part-*.jsonl of the fold
                                (no per-category value masks)
    DIR/fold_<k>/done.json      scoring finished: counts
    DIR/oof_scores.jsonl        every image's held-out scores (one line each,
                                infer_catalog's format)

Rows with labels the schema rejects (an unknown value or category, a value
not allowed for the category) are kept: the folds train on their valid
labels only (the dataset's ``invalid_labels='skip'``) and score every
image; ``tools/audit_catalog.py`` reports the rejected labels as findings.

A rerun skips every finished step (a fold whose checkpoint and scores
exist is not touched; a killed training resumes from its last checkpoint;
a killed scoring predicts only the images not yet written).
"""
import copy
import hashlib
import json
import os
import os.path as osp
import time
from typing import Callable, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from ..apis.catalog_inference import image_key, infer_catalog, read_done
from ..apis.catalog_output import dump_line
from ..datasets.schema import task_slices

SPLIT, TRAIN_DONE, DONE, OOF = ('folds.json', 'train_done.json', 'done.json',
                                'oof_scores.jsonl')


def build_train_dataset(cfg: Config):
    """The config's training dataset (a ``CatalogAttrDataset``), loaded,
    without its pipeline."""
    from mmpretrain.registry import DATASETS

    from ..datasets.catalog import CatalogAttrDataset
    spec = copy.deepcopy(cfg.train_dataloader.dataset)
    if spec.get('type') not in ('CatalogAttrDataset', CatalogAttrDataset):
        raise ValueError(
            f'train_dataloader.dataset is {spec.get("type")!r}: '
            'out-of-fold scores need a CatalogAttrDataset (one row per '
            'image, held out by index)')
    if spec.get('indices') is not None:
        raise ValueError('train_dataloader.dataset already has `indices`; '
                         'folds are drawn over the whole annotation file')
    spec.update(pipeline=[], invalid_labels='skip')
    dataset = DATASETS.build(spec)
    dataset.full_init()
    return dataset


def row_categories(dataset) -> List[str]:
    """Each row's category name ('' when unlabelled or the schema has no
    categories): what the folds are stratified by."""
    tasks = dataset.metainfo['tasks']
    if not dataset.schema.category_task:
        return [''] * len(dataset)
    sl, classes = task_slices(tasks)[0], tasks[0]['classes']
    out = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        out.append(classes[int(np.argmax(info['gt_attr'][sl]))]
                   if info['gt_attr_mask'][0] else '')
    return out


def stratified_folds(strata: Sequence[str], k: int,
                     seed: int = 0) -> List[List[int]]:
    """Held-out row indices of each of ``k`` folds: disjoint, together all
    rows, each stratum spread evenly over them (scikit-learn's
    ``StratifiedKFold``, shuffled with ``seed``)."""
    from sklearn.model_selection import StratifiedKFold
    if k < 2:
        raise ValueError(f'--folds {k}: need at least 2')
    if len(strata) < k:
        raise ValueError(f'{len(strata)} rows cannot make {k} folds')
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [sorted(test.tolist()) for _, test in
            splitter.split(np.zeros(len(strata)), list(strata))]


def load_or_make_split(work_dir: str, dataset, k: int, seed: int,
                       config_text: str = '') -> dict:
    """``folds.json`` of ``work_dir``: made on the first run; a rerun
    checks that the data, ``k``, ``seed`` and the config (``config_text``,
    hashed: finished folds are reused only for the same config) still
    give the same split."""
    images = [dataset.table.image(i) for i in range(len(dataset))]
    folds = stratified_folds(row_categories(dataset), k, seed)
    split = dict(k=k, seed=seed, rows=len(images),
                 config_sha1=hashlib.sha1(config_text.encode()).hexdigest(),
                 folds=[[images[i] for i in f] for f in folds])
    path = osp.join(work_dir, SPLIT)
    if osp.exists(path):
        with open(path) as f:
            old = json.load(f)
        if old != split:
            raise ValueError(
                f'{path}: another split or config (other data, config, '
                '--cfg-options, --folds or --seed); use a new --work-dir')
    else:
        os.makedirs(work_dir, exist_ok=True)
        with open(path, 'w') as f:
            json.dump(split, f)
    split['indices'] = folds
    return split


def fold_config(cfg: Config, held_out: Sequence[int], num_rows: int,
                work_dir: str, k: int) -> Config:
    """``cfg`` training on every row but ``held_out``, in ``work_dir``,
    resuming from its last checkpoint if there is one."""
    from ..utils import set_dataloader_defaults
    cfg = copy.deepcopy(cfg)
    keep = np.setdiff1d(np.arange(num_rows), held_out).tolist()
    cfg.train_dataloader.dataset.indices = keep
    # labels the schema rejects: left out here, findings of the audit
    cfg.train_dataloader.dataset.invalid_labels = 'skip'
    cfg.work_dir = work_dir
    cfg.resume, cfg.load_from = True, None  # mmengine: latest in work_dir
    cfg.experiment_name = f'fold_{k}'  # mmengine appends a timestamp
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        set_dataloader_defaults(cfg.get(field, None))
    return cfg


def train_fold(cfg: Config) -> dict:
    """Train ``cfg`` with mmengine's Runner; ``train_done.json``'s record
    (checkpoint, seconds)."""
    from mmengine.runner import Runner
    start = time.time()
    if 'runner_type' in cfg:
        from mmpretrain.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()
    last = osp.join(cfg.work_dir, 'last_checkpoint')
    if not osp.exists(last):
        raise RuntimeError(f'{cfg.work_dir}: training saved no checkpoint '
                           '(default_hooks.checkpoint)')
    with open(last) as f:
        ckpt = f.read().strip()
    info = dict(checkpoint=ckpt, train_seconds=round(time.time() - start, 1))
    with open(osp.join(cfg.work_dir, TRAIN_DONE), 'w') as f:
        json.dump(info, f)
    del runner
    return info


def _read_json(path: str) -> Optional[dict]:
    if not osp.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def score_images(cfg: Config, checkpoint: str, paths: Sequence[str],
                 out_dir: str, batch_size: int = 32,
                 num_workers: int = 2) -> dict:
    """``tools/infer_catalog.py``'s scores of ``paths`` by ``checkpoint``
    into ``out_dir`` (resumable); its counts. The head's per-category value
    masks are off: masked by the *predicted* category, a wrong category
    guess would zero the seller's attribute value; the audit masks by the
    seller's category instead."""
    import torch

    from ..apis import AttributeInferencer
    cfg = copy.deepcopy(cfg)
    head = cfg.model.get('head', {})
    if head.get('value_masks'):
        head.update(value_masks=False, mask_loss=False,
                    mask_with_gt_category=False)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    inferencer = AttributeInferencer(cfg, checkpoint, device=device)
    return infer_catalog(inferencer, paths, out_dir, batch_size=batch_size,
                         num_workers=num_workers)


def cross_val_scores(cfg: Config, work_dir: str, k: int, seed: int = 0,
                     batch_size: int = 32, num_workers: int = 2,
                     log: Callable[[str], None] = print) -> dict:
    """Train and score every fold not yet done, then write
    ``oof_scores.jsonl``; returns the report (per fold: checkpoint,
    training seconds, images scored, unreadable; skipped folds say so)."""
    work_dir = osp.abspath(work_dir)
    dataset = build_train_dataset(cfg)
    split = load_or_make_split(work_dir, dataset, k, seed, cfg.pretty_text)
    paths = [dataset._img_path(dataset.table.image(i))
             for i in range(len(dataset))]
    report = dict(k=k, seed=seed, rows=len(paths), folds=[])
    for fold, held_out in enumerate(split['indices']):
        fold_dir = osp.join(work_dir, f'fold_{fold}')
        trained = _read_json(osp.join(fold_dir, TRAIN_DONE))
        done = _read_json(osp.join(fold_dir, DONE))
        if trained and osp.exists(trained['checkpoint']) and done:
            log(f'fold {fold}: checkpoint and scores exist, skipped')
            report['folds'].append(dict(done, skipped=True))
            continue
        fcfg = fold_config(cfg, held_out, len(paths), fold_dir, fold)
        if not (trained and osp.exists(trained['checkpoint'])):
            log(f'fold {fold}: training on {len(paths) - len(held_out)} '
                f'rows, {len(held_out)} held out')
            os.makedirs(fold_dir, exist_ok=True)
            fcfg.dump(osp.join(fold_dir, 'config.py'))
            trained = train_fold(fcfg)
        log(f'fold {fold}: scoring {len(held_out)} held-out images')
        counts = score_images(fcfg, trained['checkpoint'],
                              [paths[i] for i in held_out],
                              osp.join(fold_dir, 'scores'), batch_size,
                              num_workers)
        done = dict(fold=fold, held_out=len(held_out), **trained,
                    **{k_: counts[k_] for k_ in ('predicted', 'unreadable',
                                                 'skipped_done')})
        with open(osp.join(fold_dir, DONE), 'w') as f:
            json.dump(done, f)
        report['folds'].append(dict(done, skipped=False))
    report.update(merge_scores(work_dir, paths, split['indices']))
    return report


def merge_scores(work_dir: str, paths: Sequence[str],
                 folds: Sequence[Sequence[int]]) -> dict:
    """``oof_scores.jsonl``: each image's line from the fold that held it
    out, in annotation order; unreadable images (error lines) are kept as
    they are. Returns counts."""
    fold_of = {i: f for f, rows in enumerate(folds) for i in rows}
    done = [read_done(osp.join(work_dir, f'fold_{f}', 'scores'))
            for f in range(len(folds))]
    written = errors = 0
    out = osp.join(work_dir, OOF)
    with open(out + '.tmp', 'w', encoding='utf-8') as f:
        for i, path in enumerate(paths):
            row = done[fold_of[i]].get(image_key(path))
            if row is None:
                raise RuntimeError(f'fold {fold_of[i]}: no score of {path}')
            errors += 'error' in row
            f.write(dump_line(row))
            written += 1
    os.replace(out + '.tmp', out)
    return dict(oof_scores=out, lines=written, unreadable=errors)
