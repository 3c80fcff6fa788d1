"""The list files of DeepFashion's Category and Attribute Prediction
benchmark (DeepFashion-C, Liu et al., CVPR 2016) as distributed. The
annotation folder is ``Anno/`` in the 2016 release and ``Anno_coarse/`` or
``Anno_fine/`` in today's (same list files); it is found by itself
(:func:`find_anno_dir`) or named::

    Anno/list_category_cloth.txt  category_name  category_type (1 upper,
                                  2 lower, 3 full body)
    Anno/list_category_img.txt    image_name  category_label (1-based)
    Anno/list_attr_cloth.txt      attribute_name  attribute_type (1 texture,
                                  2 fabric, 3 shape, 4 part, 5 style); names
                                  contain spaces, the type is the last token
    Anno/list_attr_img.txt        image_name  attribute_labels (one of 1 / -1
                                  / 0 per attribute: positive / negative /
                                  unknown)
    Anno/list_bbox.txt            image_name  x_1  y_1  x_2  y_2
    Eval/list_eval_partition.txt  image_name  evaluation_status (train / val
                                  / test)

Every file starts with a count line and a column-name line. Every error
names ``file:line``. See docs/datasets.md.
"""
import os
import os.path as osp
import warnings
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger

from ..catalog.rows import AnnotationError

CATEGORY_TYPES = {1: 'upper', 2: 'lower', 3: 'full'}
ATTRIBUTE_TYPES = {1: 'texture', 2: 'fabric', 3: 'shape', 4: 'part',
                   5: 'style'}
SPLITS = ('train', 'val', 'test')
ANNO_DIRS = ('Anno', 'Anno_coarse', 'Anno_fine')
FILES = dict(
    category_cloth=('Anno/list_category_cloth.txt',
                    ['category_name', 'category_type']),
    category_img=('Anno/list_category_img.txt',
                  ['image_name', 'category_label']),
    attr_cloth=('Anno/list_attr_cloth.txt',
                ['attribute_name', 'attribute_type']),
    attr_img=('Anno/list_attr_img.txt', ['image_name', 'attribute_labels']),
    bbox=('Anno/list_bbox.txt', ['image_name', 'x_1', 'y_1', 'x_2', 'y_2']),
    partition=('Eval/list_eval_partition.txt',
               ['image_name', 'evaluation_status']),
)


def find_anno_dir(root: str, anno_dir: Optional[str] = None) -> str:
    """The annotation folder under ``root`` holding the five ``Anno`` lists:
    ``anno_dir`` when given, else the first of :data:`ANNO_DIRS` that has
    them all; a clear error listing what was looked for otherwise."""
    names = [osp.basename(v[0]) for k, v in FILES.items()
             if v[0].startswith('Anno/')]
    candidates = [anno_dir] if anno_dir else list(ANNO_DIRS)
    for folder in candidates:
        if all(osp.isfile(osp.join(root, folder, n)) for n in names):
            return folder
    looked = ', '.join(f'{osp.join(root, c)}/' for c in candidates)
    raise AnnotationError(f'no DeepFashion-C annotation folder: looked for '
                          f'{", ".join(names)} in {looked}')


def list_paths(root: str, anno_dir: str) -> Dict[str, str]:
    """Key of :data:`FILES` -> its path under ``root``, the ``Anno`` lists
    read from ``anno_dir``."""
    return {k: osp.join(root, v[0].replace('Anno/', anno_dir + '/', 1))
            for k, v in FILES.items()}


def list_rows(path: str, columns: Sequence[str]) -> Iterator[Tuple[int, str]]:
    """``(line number, line)`` of each row after the count and column-name
    lines; checks both, and that the count matches the rows."""
    with open(path, encoding='utf-8') as f:
        count_line = f.readline()
        try:
            count = int(count_line)
        except ValueError:
            raise AnnotationError(f'{path}:1: expected the row count, got '
                                  f'{count_line.strip()!r}') from None
        header = f.readline().split()
        if header != list(columns):
            raise AnnotationError(f'{path}:2: expected the column names '
                                  f'{" ".join(columns)!r}, got '
                                  f'{" ".join(header)!r}')
        rows = 0
        for number, line in enumerate(f, start=3):
            if not line.strip():
                continue
            rows += 1
            yield number, line
    if rows != count:
        raise AnnotationError(f'{path}:1: the count line says {count} rows, '
                              f'the file has {rows}')


def _int(path, number, token, what, allowed=None) -> int:
    try:
        value = int(token)
    except ValueError:
        raise AnnotationError(f'{path}:{number}: {what} {token!r} is not an '
                              'integer') from None
    if allowed is not None and value not in allowed:
        raise AnnotationError(f'{path}:{number}: {what} {value} out of range '
                              f'(expected {min(allowed)}..{max(allowed)})')
    return value


def read_names_types(path: str, columns,
                     types: dict) -> List[Tuple[str, int]]:
    """``(name, type)`` rows; the name may contain spaces."""
    rows = []
    for number, line in list_rows(path, columns):
        tokens = line.split()
        if len(tokens) < 2:
            raise AnnotationError(f'{path}:{number}: expected a name and a '
                                  f'type, got {line.strip()!r}')
        rows.append((' '.join(tokens[:-1]),
                     _int(path, number, tokens[-1], columns[1], types)))
    return rows


def read_image_rows(path: str, columns, width: int,
                    parse) -> Tuple[Dict[str, int], list, List[int]]:
    """Rows of ``image_name`` + ``width`` tokens: name -> row index, the
    parsed values (``parse(tokens, number)``) and the line numbers."""
    index, values, lines = {}, [], []
    for number, line in list_rows(path, columns):
        tokens = line.split()
        if len(tokens) != width + 1:
            raise AnnotationError(
                f'{path}:{number}: expected an image name and {width} '
                f'value(s), got {len(tokens) - 1}')
        name = tokens[0]
        if name in index:
            raise AnnotationError(f'{path}:{number}: image {name!r} again '
                                  f'(first at line {lines[index[name]]})')
        index[name] = len(values)
        values.append(parse(tokens[1:], number))
        lines.append(number)
    return index, values, lines


class DeepFashionCLists:
    """All six list files of a DeepFashion-C root, parsed and checked.

    Attributes:
        categories (list[tuple[str, int]]): name, type (1-3).
        attributes (list[tuple[str, int]]): name, type (1-5).
        images (list[str]): image names (``img/...``, under ``Img/``), in
            ``list_category_img.txt`` order.
        category (np.ndarray): 0-based category per image.
        states (np.ndarray): int8 ``(num_images, num_attributes)``: 1 / -1 /
            0.
        bbox (np.ndarray): int32 ``(num_images, 4)``: x1, y1, x2, y2.
        split (np.ndarray): index into ``SPLITS`` per image.
        split_lines (np.ndarray): line of each image in the partition file.
    """

    def __init__(self, root: str, anno_dir: Optional[str] = None,
                 skip_bad_boxes: bool = False):
        self.root = root
        self.anno_dir = find_anno_dir(root, anno_dir)
        self.skip_bad_boxes = skip_bad_boxes
        self.paths = path = list_paths(root, self.anno_dir)
        logger = MMLogger.get_current_instance()
        logger.info(f'DeepFashion-C: annotations from '
                    f'{osp.join(root, self.anno_dir)}/')
        self.categories = read_names_types(
            path['category_cloth'], FILES['category_cloth'][1],
            CATEGORY_TYPES)
        self.attributes = read_names_types(path['attr_cloth'],
                                           FILES['attr_cloth'][1],
                                           ATTRIBUTE_TYPES)
        num_cats, num_attrs = len(self.categories), len(self.attributes)
        cat_index, cats, _ = read_image_rows(
            path['category_img'], FILES['category_img'][1], 1,
            lambda t, n: _int(path['category_img'], n, t[0],
                              'category_label', range(1, num_cats + 1)) - 1)
        self.images = list(cat_index)
        self.category = np.asarray(cats, np.int16)
        self.states = self._aligned(
            'attr_img', num_attrs, lambda t, n: self._states(t, n),
            np.int8, (num_attrs, ))
        if not (self.states == -1).any():
            logger.warning(
                f'{path["attr_img"]}: not one -1 among '
                f'{self.states.size} attribute labels: this copy may code '
                'negatives as 0, which DeepFashion-C means "unknown"; every '
                'negative would then be left out of the attribute loss')
        self.bad_boxes = []  # (line, box) of the boxes skipped
        self.bbox = self._aligned('bbox', 4, self._box, np.int32, (4, ))
        self.valid = self.bbox[:, 0] >= 0  # skipped boxes are all -1
        self.split, self.split_lines = self._aligned(
            'partition', 1, lambda t, n: self._split(t[0], n), np.int8, (),
            with_lines=True)
        if self.bad_boxes:
            line, box = self.bad_boxes[0]
            logger.warning(
                f'{path["bbox"]}: skipped {len(self.bad_boxes)} image(s) '
                f'with an empty or negative box (first at line {line}: '
                f'{box})')

    def _aligned(self, key, width, parse, dtype, shape, with_lines=False):
        """Values of list ``key`` in the order of ``self.images``; every
        image in exactly the files."""
        path = self.paths[key]
        index, values, lines = read_image_rows(path, FILES[key][1], width,
                                               parse)
        extra = [n for n in index if n not in self._image_set]
        if extra:
            raise AnnotationError(
                f'{path}:{lines[index[extra[0]]]}: image {extra[0]!r} is '
                f'not in {FILES["category_img"][0]} ({len(extra)} such)')
        if len(index) != len(self.images):
            missing = next(n for n in self.images if n not in index)
            raise AnnotationError(
                f'{path}: no row for image {missing!r} of '
                f'{FILES["category_img"][0]} ({len(self.images) - len(index)}'
                ' missing)')
        order = np.fromiter((index[n] for n in self.images), np.int64,
                            len(self.images))
        out = np.asarray(values, dtype).reshape((-1, ) + shape)[order]
        if with_lines:
            return out, np.asarray(lines, np.int64)[order]
        return out

    @property
    def _image_set(self):
        if not hasattr(self, '_images_set'):
            self._images_set = set(self.images)
        return self._images_set

    def _states(self, tokens, number):
        path = self.paths['attr_img']
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # a bad token: fewer values
            try:
                values = np.fromstring(' '.join(tokens), np.int16, sep=' ')
            except (DeprecationWarning, ValueError):
                values = None
        if values is None or len(values) != len(tokens) or \
                not np.isin(values, (-1, 0, 1)).all():
            bad = next(t for t in tokens if t not in ('-1', '0', '1'))
            raise AnnotationError(f'{path}:{number}: attribute label {bad!r}'
                                  ' is not one of 1 / -1 / 0')
        return values

    def _box(self, tokens, number):
        path = self.paths['bbox']
        box = [_int(path, number, t, 'bbox coordinate') for t in tokens]
        if min(box) < 0 or box[2] <= box[0] or box[3] <= box[1]:
            if self.skip_bad_boxes:
                self.bad_boxes.append((number, box))
                return [-1, -1, -1, -1]
            raise AnnotationError(f'{path}:{number}: bbox {box} is empty or '
                                  'negative (expected x_1 < x_2, y_1 < y_2; '
                                  'skip_bad_boxes=True skips such images)')
        return box

    def _split(self, status, number):
        if status not in SPLITS:
            raise AnnotationError(
                f'{self.paths["partition"]}:{number}: evaluation_status '
                f'{status!r} is not one of {list(SPLITS)}')
        return SPLITS.index(status)


_CACHE: Dict[tuple, DeepFashionCLists] = {}


def load_lists(root: str, anno_dir: Optional[str] = None,
               skip_bad_boxes: bool = False) -> DeepFashionCLists:
    """:class:`DeepFashionCLists` of ``root``, parsed once per process and
    shared by every split's dataset (the release's 289k x 1000 labels are
    read and held once); parsed again when a list file changes."""
    folder = find_anno_dir(root, anno_dir)
    files = list_paths(root, folder).values()
    key = (osp.abspath(root), folder, skip_bad_boxes,
           tuple(os.stat(f).st_mtime_ns if osp.exists(f) else None
                 for f in files))
    if key not in _CACHE:
        _CACHE.clear()  # one dataset root at a time is kept
        _CACHE[key] = DeepFashionCLists(root, folder, skip_bad_boxes)
    return _CACHE[key]


def write_lists(root: str, categories: Sequence[Tuple[str, int]],
                attributes: Sequence[Tuple[str, int]],
                images: Sequence[dict]) -> None:
    """Write the six list files in the distributed layout (count line,
    column names, names padded as in the release).

    Args:
        categories: ``(name, type)`` per category.
        attributes: ``(name, type)`` per attribute.
        images: per image ``name`` (``img/...``), ``category`` (0-based),
            ``states`` (1 / -1 / 0 per attribute), ``bbox`` (4 ints),
            ``split``.
    """
    os.makedirs(osp.join(root, 'Anno'), exist_ok=True)
    os.makedirs(osp.join(root, 'Eval'), exist_ok=True)
    width = max([len(i['name']) for i in images] + [10]) + 2

    def write(key, rows):
        path, columns = FILES[key]
        with open(osp.join(root, path), 'w', encoding='utf-8') as f:
            f.write(f'{len(rows)}\n{"  ".join(columns)}\n')
            f.writelines(f'{row}\n' for row in rows)

    write('category_cloth', [f'{n:<28} {t}' for n, t in categories])
    write('attr_cloth', [f'{n:<28} {t}' for n, t in attributes])
    write('category_img', [f'{i["name"]:<{width}} {i["category"] + 1}'
                           for i in images])
    write('attr_img', [
        f'{i["name"]:<{width}} ' + ' '.join(str(int(s)) for s in i['states'])
        for i in images])
    write('bbox', [f'{i["name"]:<{width}} ' +
                   ' '.join(f'{int(v):03d}' for v in i['bbox'])
                   for i in images])
    write('partition', [f'{i["name"]:<{width}} {i["split"]}'
                        for i in images])
