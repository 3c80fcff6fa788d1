"""Kaggle iMaterialist-Fashion-2020 ``train.csv`` + ``label_descriptions.json``
to Fashionpedia's COCO-style JSON (``attribute_ids`` per annotation, masks
as COCO RLE, boxes from the masks), and back (:func:`write_csv`).

``train.csv`` columns: ``ImageId, EncodedPixels, Height, Width, ClassId,
AttributesIds`` (one garment per row; AttributesIds comma-separated, or
empty). Errors name ``file:line``.
"""
import csv
import json
import os.path as osp
from typing import Optional

from mmengine.logging import print_log
from pycocotools import mask as mask_utils

from .coco_segmentation import segmentation_rle
from .kaggle_rle import RLEError, encode, to_coco_counts

COLUMNS = ['ImageId', 'EncodedPixels', 'Height', 'Width', 'ClassId',
           'AttributesIds']


def load_descriptions(path: str) -> dict:
    """``label_descriptions.json``: ``categories`` and ``attributes`` lists
    of ``{id, name, supercategory, level}``."""
    with open(path, encoding='utf-8') as f:
        desc = json.load(f)
    for key in ('categories', 'attributes'):
        if not isinstance(desc.get(key), list):
            raise ValueError(f'{path}: no {key!r} list')
        ids = [item.get('id') for item in desc[key]]
        if len(set(ids)) != len(ids) or not all(
                isinstance(i, int) for i in ids):
            raise ValueError(f'{path}: {key} ids must be unique integers')
    return desc


def convert(csv_path: str, descriptions_path: str,
            img_dir: Optional[str] = None) -> dict:
    """The Fashionpedia-style dict. With ``img_dir``, images not found
    there are skipped with their garments (counted and logged)."""
    desc = load_descriptions(descriptions_path)
    cat_ids = {c['id'] for c in desc['categories']}
    attr_ids = {a['id'] for a in desc['attributes']}
    images, annotations, missing = {}, [], []
    with open(csv_path, newline='', encoding='utf-8-sig') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != COLUMNS:
            raise ValueError(f'{csv_path}:1: columns {header}, expected '
                             f'{COLUMNS}')
        for line, row in enumerate(reader, start=2):
            where = f'{csv_path}:{line}'
            if len(row) != len(COLUMNS):
                raise ValueError(f'{where}: {len(row)} cells, expected '
                                 f'{len(COLUMNS)}')
            image_id, encoded, height, width, class_id, attrs = row
            try:
                height, width, class_id = int(height), int(width), \
                    int(class_id)
                attribute_ids = sorted({int(a) for a in attrs.split(',')
                                        if a.strip()})
            except ValueError:
                raise ValueError(f'{where}: Height, Width, ClassId and '
                                 'AttributesIds must be integers')
            if class_id not in cat_ids:
                raise ValueError(f'{where}: ClassId {class_id} is not in '
                                 f'{descriptions_path}')
            unknown = [a for a in attribute_ids if a not in attr_ids]
            if unknown:
                raise ValueError(f'{where}: AttributesIds {unknown} are not '
                                 f'in {descriptions_path}')
            image = images.get(image_id)
            if image is None:
                file_name = f'{image_id}.jpg'
                if img_dir and not osp.isfile(osp.join(img_dir, file_name)):
                    missing.append(file_name)
                    images[image_id] = image = dict(skip=True)
                else:
                    image = images[image_id] = dict(
                        id=len(images), file_name=file_name, height=height,
                        width=width)
            if image.get('skip'):
                continue
            if (image['height'], image['width']) != (height, width):
                raise ValueError(f'{where}: {image_id} is {height}x{width} '
                                 f'here, {image["height"]}x{image["width"]}'
                                 ' on an earlier row')
            try:
                counts = to_coco_counts(encoded, height, width)
            except RLEError as e:
                raise ValueError(f'{where}: {e}') from None
            rle = mask_utils.frPyObjects(
                dict(counts=counts, size=[height, width]), height, width)
            annotations.append(dict(
                id=len(annotations) + 1, image_id=image['id'],
                category_id=class_id, attribute_ids=attribute_ids,
                segmentation=dict(counts=rle['counts'].decode('ascii'),
                                  size=[height, width]),
                bbox=[round(float(v), 2) for v in mask_utils.toBbox(rle)],
                area=int(mask_utils.area(rle)), iscrowd=0))
    if missing:
        print_log(f'{len(missing)} images not found in {img_dir}, skipped '
                  f'with their garments: {missing[:5]}', logger='current',
                  level=30)
    return dict(
        info=dict(description=f'converted from {osp.basename(csv_path)}'),
        images=[i for i in images.values() if not i.get('skip')],
        annotations=annotations, categories=desc['categories'],
        attributes=desc['attributes'],
        skipped_images=sorted(missing))


def write_csv(coco: dict, csv_path: str, descriptions_path: str) -> int:
    """Write a Fashionpedia-style dict as Kaggle's ``train.csv`` (one row
    per garment, ``ImageId`` the file name without ``.jpg``) and
    ``label_descriptions.json``; returns the number of rows. Images
    without garments have no row, as in Kaggle's file."""
    images = {i['id']: i for i in coco['images']}
    with open(csv_path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for ann in coco['annotations']:
            image = images[ann['image_id']]
            name, ext = osp.splitext(image['file_name'])
            if ext.lower() != '.jpg':
                raise ValueError(f'{image["file_name"]}: Kaggle ImageIds '
                                 'name .jpg files')
            h, w = image['height'], image['width']
            writer.writerow([
                name, encode(mask_utils.decode(
                    segmentation_rle(ann['segmentation'], h, w))), h, w,
                ann['category_id'],
                ','.join(map(str, sorted(ann.get('attribute_ids', []))))])
    with open(descriptions_path, 'w', encoding='utf-8') as f:
        json.dump(dict(info=dict(description='written by write_csv'),
                       categories=coco['categories'],
                       attributes=coco['attributes']), f)
    return len(coco['annotations'])
