"""The constant-prediction baseline: each attribute's most frequent value."""
from typing import List

import numpy as np


def most_frequent_scores(train_gts: np.ndarray, train_masks: np.ndarray,
                         num_samples: int, tasks: List[dict]) -> np.ndarray:
    """Scores ``(num_samples, C)`` giving every sample, for every task, the
    value most often labelled in training (score 1, all others 0)."""
    scores = np.zeros((num_samples, train_gts.shape[1]), np.float32)
    start = 0
    for i, task in enumerate(tasks):
        n = len(task['classes'])
        counts = train_gts[train_masks[:, i], start:start + n].sum(0)
        scores[:, start + int(np.argmax(counts))] = 1.0
        start += n
    return scores
