"""Batch inference over a whole catalogue: DataLoader workers, per-rank
JSON Lines shards, resumable, unreadable images reported instead of fatal.

Output folder layout (``part-<run>-<rank>.jsonl`` per rank and run)::

    OUT/part-0001-0.jsonl   {"image", "attributes": {...}, "scores": {...}}
    OUT/errors-0001-0.jsonl {"image": ..., "error": "ImageDecodeError: ..."}
    OUT/report.json         counts of the last run

A rerun reads every complete line already written (a line cut short by a
kill is ignored), and predicts only the images not in them, so every image
ends up in exactly one complete line.
"""
import csv
import glob
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from ..datasets.catalog.rows import annotation_format
from .image_path_dataset import ImagePathDataset
from .attribute_inferencer import (IMAGE_EXTENSIONS, format_scores,
                                   read_image_list)


def catalogue_images(ann: Optional[str] = None, images: Optional[str] = None,
                     list_file: Optional[str] = None,
                     img_prefix: str = '') -> List[str]:
    """Image paths from an annotation file (its ``image`` column / key,
    joined to ``img_prefix``), a folder (recursively) or a list file."""
    if ann:
        with open(ann, encoding='utf-8-sig', newline='') as f:
            if annotation_format(ann) == 'csv':
                names = [row['image'].strip() for row in csv.DictReader(f)]
            else:
                names = [json.loads(line)['image'].strip() for line in f
                         if line.strip()]
        return [osp.join(img_prefix, n) for n in names]
    if images:
        found = []
        for folder, _, files in os.walk(images):
            found += [osp.join(folder, n) for n in files
                      if n.lower().endswith(IMAGE_EXTENSIONS)]
        return sorted(found)
    return read_image_list(list_file)


def read_done(out_dir: str) -> Dict[str, dict]:
    """Image -> its complete output line (predictions and errors) so far."""
    done = {}
    for path in sorted(glob.glob(osp.join(out_dir, 'part-*.jsonl')) +
                       glob.glob(osp.join(out_dir, 'errors-*.jsonl'))):
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.endswith('\n'):
                    break  # cut short by a kill: predicted again
                row = json.loads(line)
                done[row['image']] = row
    return done


def next_run_id(out_dir: str) -> str:
    runs = [int(osp.basename(p).split('-')[1]) for p in glob.glob(
        osp.join(out_dir, 'part-*.jsonl'))]
    return f'{max(runs, default=0) + 1:04d}'


def collate(batch):
    """Readable samples (as mmengine's ``pseudo_collate``) and errors."""
    good = [b for b in batch if 'error' not in b]
    return (pseudo_collate(good) if good else None,
            [b for b in batch if 'error' in b])


def infer_catalog(inferencer, paths: Sequence[str], out_dir: str,
                  rank: int = 0, world_size: int = 1, run_id: str = '0001',
                  batch_size: int = 32, num_workers: int = 2,
                  max_batches: Optional[int] = None, progress=None,
                  sync=None) -> dict:
    """Predict ``paths`` not yet in ``out_dir``; this rank takes every
    ``world_size``-th of them. ``sync`` (a barrier) runs after every rank
    has read what is done, before any writes; ``progress(total)`` returns a
    per-batch ``update(n)``. Returns this rank's counts.
    """
    os.makedirs(out_dir, exist_ok=True)
    done = read_done(out_dir)
    todo = [p for p in paths if p not in done][rank::world_size]
    if sync is not None:
        sync()
    update = progress(len(todo)) if progress is not None else None
    loader = DataLoader(ImagePathDataset(todo, inferencer.pipeline),
                        batch_size=batch_size, num_workers=num_workers,
                        collate_fn=collate)
    counts = dict(skipped_done=len(done), predicted=0, unreadable=0)
    model = inferencer.model
    part = osp.join(out_dir, f'part-{run_id}-{rank}.jsonl')
    errors = osp.join(out_dir, f'errors-{run_id}-{rank}.jsonl')
    with open(part, 'a', encoding='utf-8') as fp, \
            open(errors, 'a', encoding='utf-8') as fe:
        for k, (data, bad) in enumerate(loader):
            if max_batches is not None and k >= max_batches:
                break
            for b in bad:
                fe.write(json.dumps(dict(image=b['img_path'],
                                         error=b['error'])) + '\n')
            if data is not None:
                with torch.no_grad():
                    samples = model.test_step(data)
                for sample in samples:
                    fp.write(json.dumps(dict(
                        image=sample.img_path, **format_scores(
                            sample.pred_score.cpu().numpy(),
                            inferencer.tasks, inferencer.thresholds)),
                        ensure_ascii=False) + '\n')
                    counts['predicted'] += 1
            counts['unreadable'] += len(bad)
            fp.flush()
            fe.flush()
            if update is not None:
                update(len(bad) + (len(data['inputs']) if data else 0))
    return counts
