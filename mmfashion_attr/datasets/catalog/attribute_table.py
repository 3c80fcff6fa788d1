"""Compact column storage of a parsed attribute dataset.

Written instead of mmengine's per-sample ``data_list`` (one dict and two
small arrays per sample, pickled one by one by ``serialize_data``): a
1M-row catalogue would take ~1 GB that way. Here paths are one UTF-8
buffer, labels one bit-packed array and masks one bool array, so the data
of 1M samples is a few tens of MB, built without per-sample objects, and
shared by forked DataLoader workers without copies (numpy buffers have no
per-item reference counts to touch).
"""
from array import array
from itertools import islice
from typing import Sequence

import numpy as np


class AttributeTableBuilder:
    """Appends rows: image name, source line, flat label indices, task mask.

    Args:
        num_classes (int): Length of the multi-hot label vector.
        num_tasks (int): Length of the task mask.
    """

    def __init__(self, num_classes: int, num_tasks: int):
        self.num_classes, self.num_tasks = num_classes, num_tasks
        self.path_bytes = bytearray()
        self.path_ends = array('q', [0])  # offsets: starts with 0
        self.lines = array('i')
        self.label_rows = array('i')
        self.label_cols = array('i')
        self.mask = bytearray()

    def __len__(self):
        return len(self.path_ends) - 1

    def add(self, image: str, line: int, labels: Sequence[int],
            mask: bytes):
        row = len(self.path_ends) - 1
        self.path_bytes += image.encode('utf-8')
        self.path_ends.append(len(self.path_bytes))
        self.lines.append(line)
        self.label_rows.extend([row] * len(labels))
        self.label_cols.extend(labels)
        self.mask += mask

    def build(self) -> 'AttributeTable':
        n, width = len(self), (self.num_classes + 7) // 8
        packed = np.zeros((n, width), np.uint8)
        rows = np.frombuffer(self.label_rows, np.int32)
        cols = np.frombuffer(self.label_cols, np.int32)
        for k in range(0, len(rows), 1 << 20):  # small temporaries
            r, c = rows[k:k + (1 << 20)], cols[k:k + (1 << 20)]
            np.bitwise_or.at(packed, (r, c // 8),
                             (128 >> (c % 8)).astype(np.uint8))
        del rows, cols
        self.label_rows = self.label_cols = None
        # the arrays take over the builder's buffers (no copies)
        table = AttributeTable(
            np.frombuffer(self.path_bytes, np.uint8),
            np.frombuffer(self.path_ends, np.int64), packed,
            np.frombuffer(self.mask, bool).reshape(n, self.num_tasks),
            np.frombuffer(self.lines, np.int32), self.num_classes)
        self.__init__(self.num_classes, self.num_tasks)
        return table


class AttributeTable:
    """Column storage: ``image(i)``, ``labels(i)``, ``mask[i]``, ``lines[i]``.
    """

    def __init__(self, path_bytes: np.ndarray, offsets: np.ndarray,
                 packed: np.ndarray, mask: np.ndarray, lines: np.ndarray,
                 num_classes: int):
        self.path_bytes, self.offsets = path_bytes, offsets
        self.packed, self.mask, self.lines = packed, mask, lines
        self.num_classes = num_classes

    def __len__(self):
        return len(self.offsets) - 1

    def image(self, i: int) -> str:
        return self.path_bytes[self.offsets[i]:self.offsets[i + 1]].tobytes(
        ).decode('utf-8')

    def path_spans(self):
        """All image names as one ``bytes`` and an iterator of each row's
        ``(start, end)`` in it: a 1M-row walk without ``tolist()``'s ~36 MB
        of lasting int objects."""
        ends = array('q')
        ends.frombytes(self.offsets.astype(np.int64).tobytes())
        return self.path_bytes.tobytes(), zip(ends, islice(ends, 1, None))

    def labels(self, i: int) -> np.ndarray:
        """uint8 multi-hot vector of row ``i``."""
        return np.unpackbits(self.packed[i], count=self.num_classes)

    def take(self, indices: Sequence[int]) -> 'AttributeTable':
        """A new table of the given rows, in that order."""
        idx = np.asarray(indices, dtype=np.int64)
        starts, ends = self.offsets[idx], self.offsets[idx + 1]
        lengths = ends - starts
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        gather = np.repeat(starts - offsets[:-1], lengths) + np.arange(
            offsets[-1])
        return AttributeTable(self.path_bytes[gather], offsets,
                              self.packed[idx], self.mask[idx],
                              self.lines[idx], self.num_classes)

    def project(self, task_index: np.ndarray, columns: np.ndarray,
                chunk: int = 65536) -> 'AttributeTable':
        """A new table with the given tasks' mask columns and value columns
        (a schema subset), unpacked a chunk of rows at a time."""
        packed = np.concatenate([
            np.packbits(np.unpackbits(
                self.packed[a:a + chunk], axis=1,
                count=self.num_classes)[:, columns], axis=1)
            for a in range(0, max(len(self), 1), chunk)])
        return AttributeTable(self.path_bytes, self.offsets, packed,
                              np.ascontiguousarray(self.mask[:, task_index]),
                              self.lines, len(columns))

    def count_columns(self, columns: np.ndarray,
                      chunk: int = 65536) -> np.ndarray:
        """Per row, how many of the given value columns are set."""
        return np.concatenate([
            np.unpackbits(self.packed[a:a + chunk], axis=1,
                          count=self.num_classes)[:, columns].sum(1)
            for a in range(0, max(len(self), 1), chunk)])

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.path_bytes, self.offsets,
                                      self.packed, self.mask, self.lines))
