"""A sampler over the samples that have given tasks labelled."""
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from mmpretrain.registry import DATA_SAMPLERS


def labelled_mask(dataset) -> np.ndarray:
    """Bool ``(num_samples, num_tasks)``: task labelled for sample. Read from
    the dataset's table when it has one (CatalogAttrDataset), else sample by
    sample from ``get_data_info``."""
    table = getattr(dataset, 'table', None)
    if table is not None and hasattr(table, 'mask'):
        return np.asarray(table.mask, bool)
    return np.stack([np.asarray(dataset.get_data_info(i)['gt_attr_mask'],
                                bool) for i in range(len(dataset))])


@DATA_SAMPLERS.register_module()
class LabelledTaskSampler(DefaultSampler):
    """``DefaultSampler`` (shuffle by seed and epoch, split across ranks)
    restricted to the samples with at least one of ``tasks`` labelled.

    ``set_tasks`` changes the subset between epochs (progressive training:
    each stage sees the images labelled for its attribute, the final stage
    every image). The sampler runs in the main process, so the change holds
    with persistent workers too.

    Args:
        dataset: A dataset whose samples carry ``gt_attr_mask`` and whose
            ``metainfo['tasks']`` names the tasks.
        tasks (Sequence[str], optional): None: every sample.
        shuffle, seed, round_up: as ``DefaultSampler``.
    """

    def __init__(self, dataset, tasks: Optional[Sequence[str]] = None,
                 shuffle: bool = True, seed: Optional[int] = None,
                 round_up: bool = True):
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        self.task_names = [t['name'] for t in dataset.metainfo['tasks']]
        self._mask = labelled_mask(dataset)
        self.set_tasks(tasks)

    def set_tasks(self, tasks: Optional[Sequence[str]]) -> None:
        """Sample only where one of ``tasks`` is labelled (None: all)."""
        if tasks is None:
            self.indices = np.arange(len(self._mask))
        else:
            unknown = set(tasks) - set(self.task_names)
            if unknown:
                raise ValueError(f'unknown tasks {sorted(unknown)}; the '
                                 f'dataset has {self.task_names}')
            cols = [self.task_names.index(t) for t in tasks]
            self.indices = np.flatnonzero(self._mask[:, cols].any(1))
        self.tasks = None if tasks is None else list(tasks)
        n = len(self.indices)
        if self.round_up:
            self.num_samples = -(-n // self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = -(-(n - self.rank) // self.world_size)
            self.total_size = n

    def __iter__(self) -> Iterator[int]:
        order = np.arange(len(self.indices))
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.seed + self.epoch)
            order = torch.randperm(len(order), generator=g).numpy()
        indices = self.indices[order].tolist()
        if self.round_up and indices:
            indices = (indices * (self.total_size // len(indices) + 1)
                       )[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.world_size])

    def __len__(self) -> int:
        return self.num_samples
