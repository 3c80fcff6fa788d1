"""Batch inference over a whole catalogue: DataLoader workers, per-rank
JSON Lines shards, resumable, unreadable images reported instead of fatal.

Output folder layout (``part-<run>-<rank>.jsonl`` per rank and run)::

    OUT/part-0001-0.jsonl   {"image", "key", "attributes": {...},
                             "scores": {...}}
    OUT/errors-0001-0.jsonl {"image", "key", "error": "ImageDecodeError: ..."}
    OUT/report.json         counts of the last run

Any file name is read and written back: one that is not UTF-8 is escaped in
``image`` / ``key`` and kept exactly in ``image_b64`` / ``key_b64``
(:mod:`.catalog_output`). A rerun first cuts a line cut short by a kill off
the end of its file (even inside a multi-byte character; its image is
predicted again), so ``cat part-*.jsonl`` stays valid JSON Lines, then
predicts only the images not in the complete lines. Images are matched by
their absolute, normalised path, so a rerun from another folder or with an
equivalent ``--img-prefix`` finds them; the same image listed twice in a
folder or list is predicted once (twice in a catalogue file is an error, as
for training). Without ``retry_errors`` every image ends up in exactly one
complete line; with it, an image that failed before is tried again and its
latest line (predictions before errors within a run) is its result.
:func:`.catalog_output.merge_outputs` writes one file with each image once.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from ..datasets.catalog.checks import duplicate_message
from ..datasets.catalog.reader import AnnotationError, CatalogReader
from .attribute_inferencer import IMAGE_EXTENSIONS, result_fields
from .attribute_inferencer import read_image_list as read_image_names
from .catalog_output import (as_text, cut_partial_lines, dump_line,
                             image_key, merge_outputs, next_run_id,
                             path_fields, read_done, read_lines, row_key,
                             row_path)
from .image_path_dataset import ImagePathDataset

__all__ = ['catalogue_images', 'catalogue_names', 'image_key',
           'infer_catalog', 'merge_outputs', 'next_run_id', 'read_done',
           'read_image_names', 'read_lines', 'row_key', 'row_path',
           'unique_images']


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


def catalogue_names(ann: str) -> List[str]:
    """The image names of a catalogue file, read by the training reader
    (:class:`CatalogReader`: same errors naming file:line, names
    normalised); only the ``image`` column is needed, labels are not
    checked; a repeated image is an error."""
    names, seen = [], {}
    for line, image, _, _ in CatalogReader(ann, required=('image', )):
        if image in seen:
            raise AnnotationError(duplicate_message(ann, line, image,
                                                    seen[image]),
                                  'duplicate_image')
        seen[image] = line
        names.append(image)
    return names


def catalogue_images(ann: Optional[str] = None, images: Optional[str] = None,
                     list_file: Optional[str] = None,
                     img_prefix: str = '') -> List[str]:
    """Image paths from an annotation file (its ``image`` column / key,
    joined to ``img_prefix``), a folder (recursively) or a list file."""
    if ann:
        return [osp.join(img_prefix, n) for n in catalogue_names(ann)]
    if images:
        found = []
        for folder, _, files in os.walk(images):
            found += [osp.join(folder, n) for n in files
                      if n.lower().endswith(IMAGE_EXTENSIONS)]
        return sorted(found)
    return read_image_names(list_file)


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
    cut = cut_partial_lines(out_dir) if rank == 0 else 0
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
                  duplicates_removed=duplicates, predicted=0, unreadable=0,
                  cut_lines_removed=cut)
    part = osp.join(out_dir, f'part-{run_id}-{rank}.jsonl')
    errors = osp.join(out_dir, f'errors-{run_id}-{rank}.jsonl')
    with open(part, 'a', encoding='utf-8') as fp, \
            open(errors, 'a', encoding='utf-8') as fe:
        for k, (data, bad) in enumerate(loader):
            if max_batches is not None and k >= max_batches:
                break
            for b in bad:
                fe.write(dump_line(dict(path_fields(b['img_path']),
                                        error=as_text(b['error']))))
            if data is not None:
                samples = inferencer.forward(data)  # without autograd
                for sample in samples:
                    fp.write(dump_line(dict(
                        path_fields(sample.img_path), **result_fields(
                            sample, inferencer.tasks,
                            inferencer.thresholds))))
                    counts['predicted'] += 1
            counts['unreadable'] += len(bad)
            fp.flush()
            fe.flush()
            if update is not None:
                update(len(bad) + (len(data['inputs']) if data else 0))
    return counts
