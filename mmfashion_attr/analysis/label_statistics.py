"""Label statistics of any dataset of this package (``gt_attr`` + mask)."""
from typing import List

import numpy as np

from ..datasets.schema import task_slices


def label_statistics(dataset) -> List[dict]:
    """Per task: ``name``, ``labelled``, ``missing_rate`` and ``counts``
    (value -> number of samples having it)."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    gts = np.stack([d['gt_attr'] for d in infos]).astype(bool)
    masks = np.stack([d['gt_attr_mask'] for d in infos]).astype(bool)
    stats, tasks = [], dataset.metainfo['tasks']
    for i, (task, sl) in enumerate(zip(tasks, task_slices(tasks))):
        labelled = masks[:, i]
        counts = gts[labelled, sl].sum(0)
        stats.append(dict(name=task['name'], labelled=int(labelled.sum()),
                          missing_rate=float(1 - labelled.mean()),
                          counts=dict(zip(task['classes'],
                                          map(int, counts)))))
    return stats
