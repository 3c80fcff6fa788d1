"""Kaggle's run-length encoding of masks (iMaterialist-Fashion-2020
``EncodedPixels``): space-separated ``start length`` pairs, starts 1-based,
pixels numbered in column-major order (down the first column, then the
next).

Own code: pycocotools' RLE counts alternate zero / one runs from pixel 0,
Kaggle's give absolute 1-based starts; ``to_coco_counts`` converts one into
the other without building the mask.
"""
from typing import List

import numpy as np

from ...errors import UserInputError


class RLEError(UserInputError, ValueError):
    """A malformed or out-of-image Kaggle RLE string."""


def parse(encoded: str, height: int, width: int) -> np.ndarray:
    """``(n, 2)`` int64 array of 0-based ``(start, length)`` runs, checked:
    an even count, starts >= 1 and lengths >= 1 as written, increasing,
    non-overlapping runs, all inside the ``height x width`` image."""
    tokens = encoded.split()
    if not tokens:
        raise RLEError('empty EncodedPixels')
    if len(tokens) % 2:
        raise RLEError(f'{len(tokens)} numbers: expected start/length pairs')
    try:
        runs = np.asarray(tokens, dtype=np.int64).reshape(-1, 2)
    except ValueError:
        raise RLEError(f'non-integer in EncodedPixels {encoded[:40]!r}')
    if (runs[:, 0] < 1).any() or (runs[:, 1] < 1).any():
        raise RLEError('starts are 1-based and lengths positive')
    runs[:, 0] -= 1  # 1-based -> 0-based
    ends = runs[:, 0] + runs[:, 1]
    if (runs[1:, 0] < ends[:-1]).any():
        raise RLEError('runs overlap or are not in increasing order')
    if ends[-1] > height * width:
        raise RLEError(f'runs end at pixel {int(ends[-1])}, the '
                       f'{height}x{width} image has {height * width}')
    return runs


def decode(encoded: str, height: int, width: int) -> np.ndarray:
    """The ``height x width`` uint8 mask of a Kaggle RLE string."""
    flat = np.zeros(height * width, np.uint8)
    for start, length in parse(encoded, height, width):
        flat[start:start + length] = 1
    return flat.reshape(width, height).T  # column-major


def encode(mask: np.ndarray) -> str:
    """Kaggle RLE string of a binary ``height x width`` mask."""
    flat = np.concatenate([[0], np.asarray(mask).T.reshape(-1) > 0, [0]])
    edges = np.flatnonzero(flat[1:] != flat[:-1])
    starts, ends = edges[::2], edges[1::2]
    pairs = np.stack([starts + 1, ends - starts], axis=1).reshape(-1)
    return ' '.join(map(str, pairs))


def to_coco_counts(encoded: str, height: int, width: int) -> List[int]:
    """Uncompressed COCO RLE counts (zeros first, column-major) of a Kaggle
    RLE string, for ``pycocotools.mask.frPyObjects``."""
    runs = parse(encoded, height, width)
    counts, pos = [], 0
    for start, length in runs:
        if counts and start == pos:  # adjacent runs: merge
            counts[-1] += int(length)
        else:
            counts += [int(start - pos), int(length)]
        pos = int(start + length)
    if pos < height * width:
        counts.append(height * width - pos)
    return counts
