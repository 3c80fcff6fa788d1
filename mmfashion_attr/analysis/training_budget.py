"""Equal training budgets for the progressive comparison: the image passes
(samples drawn for training) that a progressive schedule makes, and the
epochs that give the other approaches the same number.

Own code: the budget is defined by ``ProgressiveTrainingHook``'s stages and
``LabelledTaskSampler``'s subsets, both ours.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmpretrain.registry import DATASETS

from mmfashion_attr.datasets.samplers.labelled_task_sampler import \
    labelled_mask


def labelled_table(dataset_cfg) -> Tuple[List[str], np.ndarray]:
    """The training set's task names and its bool (images, tasks) mask of
    labelled tasks."""
    dataset = DATASETS.build(dataset_cfg)
    return ([t['name'] for t in dataset.metainfo['tasks']],
            labelled_mask(dataset))


def images_for(names: List[str], mask: np.ndarray,
               tasks: Optional[Sequence[str]]) -> int:
    """Images with at least one of ``tasks`` labelled (None: every image),
    as ``LabelledTaskSampler`` draws them."""
    if tasks is None:
        return len(mask)
    return int(mask[:, [names.index(t) for t in tasks]].any(1).sum())


def progressive_hook(cfg) -> dict:
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h['type'] == 'ProgressiveTrainingHook']
    if len(hooks) != 1:
        raise ValueError('the progressive config needs one '
                         f'ProgressiveTrainingHook, found {len(hooks)}')
    return hooks[0]


def progressive_samples(cfg) -> int:
    """Image passes of a progressive config: each stage's epochs times the
    images its sampler draws (the stage's tasks labelled; ``'all'``: every
    image)."""
    names, mask = labelled_table(cfg.train_dataloader.dataset)
    total = 0
    for stage in progressive_hook(cfg)['stages']:
        tasks = None if stage['tasks'] == 'all' else list(stage['tasks'])
        total += stage['epochs'] * images_for(names, mask, tasks)
    return total


def epochs_for(budget: int, images: int, models: int = 1) -> int:
    """Whole epochs over ``images`` that come nearest to an equal share
    (``budget / models``) of the image passes; at least one."""
    return max(1, int(round(budget / models / images)))
