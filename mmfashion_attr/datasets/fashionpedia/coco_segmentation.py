"""COCO segmentations in any of their three forms (polygon list,
uncompressed RLE, compressed RLE) as one pycocotools RLE."""
from typing import List

from pycocotools import mask as mask_utils


def segmentation_rle(segmentation, height: int, width: int) -> dict:
    """The pycocotools RLE of a polygon list or an RLE dict."""
    if isinstance(segmentation, list):  # polygons
        return mask_utils.merge(
            mask_utils.frPyObjects(segmentation, height, width))
    if isinstance(segmentation.get('counts'), list):  # uncompressed RLE
        return mask_utils.frPyObjects(segmentation, height, width)
    return segmentation


def segmentation_bbox(segmentation, height: int, width: int) -> List[float]:
    """``[x, y, w, h]`` of a COCO segmentation."""
    return [float(v) for v in mask_utils.toBbox(
        segmentation_rle(segmentation, height, width))]
