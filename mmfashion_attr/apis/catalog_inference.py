"""Batch inference over a whole catalogue: DataLoader workers, per-rank
JSON Lines shards, resumable, unreadable images reported instead of fatal.

Output folder layout (``part-<run>-<rank>.jsonl`` per rank and run)::

    OUT/part-0001-0.jsonl   {"image", "attributes": {...}, "scores": {...}}
    OUT/errors-0001-0.jsonl {"image": ..., "error": "ImageDecodeError: ..."}
    OUT/report.json         counts of the last run

A rerun reads every complete line already written (a line cut short by a
kill, even inside a multi-byte character, is ignored and its image predicted
again) and predicts only the images not in them. Images are matched by their
absolute, normalised path, so a rerun from another folder or with an
equivalent ``--img-prefix`` finds them; the same image listed twice is
predicted once. Without ``retry_errors`` every image ends up in exactly one
complete line; with it, an image that failed before is tried again and its
latest line (predictions before errors within a run) is its result.
"""
import csv
import glob
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from ..datasets.catalog.rows import annotation_format
from .attribute_inferencer import (IMAGE_EXTENSIONS, format_scores,
                                   read_image_list)
from .image_path_dataset import ImagePathDataset


def image_key(path: str) -> str:
    """What identifies an image across runs: its absolute normalised path."""
    return osp.normpath(osp.abspath(path))


def unique_images(paths: Sequence[str]) -> Tuple[List[str], int]:
    """``paths`` without repeats of the same image (first kept, order kept),
    and how many were dropped."""
    seen, unique = set(), []
    for p in paths:
        key = image_key(p)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, len(paths) - len(unique)


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


def read_lines(path: str) -> List[dict]:
    """The complete JSON lines of one output file. A last line cut short by
    a kill (no newline; possibly inside a multi-byte character) is dropped;
    any other undecodable line is an error naming the file and line."""
    rows = []
    with open(path, 'rb') as f:
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b'\n'):
                break  # cut short by a kill: predicted again
            try:
                rows.append(json.loads(raw.decode('utf-8')))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ValueError(f'{path}:{number}: not a JSON line written '
                                 f'by infer_catalog ({e})') from e
    return rows


def _run_of(path: str) -> int:
    return int(osp.basename(path).split('-')[1])


def read_done(out_dir: str, retry_errors: bool = False) -> Dict[str, dict]:
    """Image key (:func:`image_key`) -> its latest complete output line so
    far; with ``retry_errors`` images whose latest line is an error are left
    out (to be tried again)."""
    done = {}
    files = glob.glob(osp.join(out_dir, 'errors-*.jsonl')) + glob.glob(
        osp.join(out_dir, 'part-*.jsonl'))
    # by run; within a run errors first, so a later prediction wins
    for path in sorted(files, key=lambda p: (_run_of(p),
                                             osp.basename(p)[0] == 'p', p)):
        for row in read_lines(path):
            done[row.get('key') or image_key(row['image'])] = row
    if retry_errors:
        done = {k: r for k, r in done.items() if 'error' not in r}
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
                  sync=None, retry_errors: bool = False) -> dict:
    """Predict ``paths`` not yet in ``out_dir``; this rank takes every
    ``world_size``-th of them. ``sync`` (a barrier) runs after every rank
    has read what is done, before any writes; ``progress(total)`` returns a
    per-batch ``update(n)``; ``retry_errors`` tries images that failed
    before again. Returns this rank's counts.
    """
    os.makedirs(out_dir, exist_ok=True)
    done = read_done(out_dir, retry_errors)
    paths, duplicates = unique_images(paths)
    todo = [p for p in paths if image_key(p) not in done][rank::world_size]
    if sync is not None:
        sync()
    update = progress(len(todo)) if progress is not None else None
    loader = DataLoader(ImagePathDataset(todo, inferencer.pipeline),
                        batch_size=batch_size, num_workers=num_workers,
                        collate_fn=collate)
    # the same on every rank: skipped_done, duplicates_removed
    counts = dict(skipped_done=sum(image_key(p) in done for p in paths),
                  duplicates_removed=duplicates, predicted=0, unreadable=0)
    model = inferencer.model
    part = osp.join(out_dir, f'part-{run_id}-{rank}.jsonl')
    errors = osp.join(out_dir, f'errors-{run_id}-{rank}.jsonl')
    with open(part, 'a', encoding='utf-8') as fp, \
            open(errors, 'a', encoding='utf-8') as fe:
        for k, (data, bad) in enumerate(loader):
            if max_batches is not None and k >= max_batches:
                break
            for b in bad:
                fe.write(json.dumps(dict(
                    image=b['img_path'], key=image_key(b['img_path']),
                    error=b['error']), ensure_ascii=False) + '\n')
            if data is not None:
                with torch.no_grad():
                    samples = model.test_step(data)
                for sample in samples:
                    fp.write(json.dumps(dict(
                        image=sample.img_path, key=image_key(sample.img_path),
                        **format_scores(
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
