"""mmdet's detection drawing plus each garment's top attributes, readable
at any image size.

Own subclass: mmdet's ``DetLocalVisualizer`` draws boxes, classes and
masks but knows no attributes, draws on the image at its own size (a few
pixels per letter on SynthFashion's 128-px images) and lets labels run off
the canvas; this one adds the attributes under each box's label,
upscales small images first and keeps every label inside the canvas, so
``tools/test.py --show-dir``, ``DetInferencer`` and ``demo/det_demo.py``
show them in full.
"""
from typing import List, Optional

import numpy as np
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import get_box_tensor, scale_boxes
from mmdet.structures.mask import BitmapMasks, PolygonMasks
from mmdet.visualization import DetLocalVisualizer
from mmengine.structures import InstanceData

from .text_layout import keep_inside, text_box, upscale, upscale_factor


def upscale_instances(instances: InstanceData, factor: int) -> InstanceData:
    """A copy with boxes and masks upscaled by an integer factor.

    Args:
        instances (InstanceData): ``bboxes`` / ``masks`` (tensor, array,
            ``BitmapMasks`` or ``PolygonMasks``) are scaled.
        factor (int): Integer factor.
    """
    out = instances.clone()
    if 'bboxes' in out:
        out.bboxes = scale_boxes(out.bboxes, (factor, factor))
    if 'masks' in out:
        masks = out.masks
        if isinstance(masks, BitmapMasks):
            masks = BitmapMasks(masks.masks.repeat(factor, 1).repeat(
                factor, 2), masks.height * factor, masks.width * factor)
        elif isinstance(masks, PolygonMasks):
            masks = masks.rescale(factor)
        elif isinstance(masks, torch.Tensor):
            masks = masks.repeat_interleave(factor, -2).repeat_interleave(
                factor, -1)
        else:
            masks = np.asarray(masks).repeat(factor, -2).repeat(factor, -1)
        out.masks = masks
    return out


@VISUALIZERS.register_module()
class AttributeDetLocalVisualizer(DetLocalVisualizer):
    """``DetLocalVisualizer`` that writes, under each box's class label,
    the names of its top attributes: predictions' ``attr_scores`` (with
    the score) from ``attr_thr``, ground truths' ``attributes`` (multi-hot).
    Names come from ``dataset_meta['attributes']``. Images whose long side
    is under ``min_size`` are upscaled (integer factor, nearest neighbour,
    boxes and masks alike) before drawing; every text (mmdet's class labels
    too) is at least ``min_font_size`` and is moved inside the canvas.

    Args:
        name (str): The instance's name (mmengine's visualizers are
            managed by name). Default: 'visualizer'.
        top_k (int): Attributes written per garment. Default: 4.
        attr_thr (float): Predicted attributes from this score. Default:
            0.5.
        min_size (int): Smallest long side of the drawn canvas (0: draw
            at the image's size). Default: 512.
        font_size (int): Attribute font size in points. Default: 10.
        min_font_size (int): Smallest font size in points of any text
            (mmdet's class labels shrink with the box). Default: 9.
        **kwargs: ``DetLocalVisualizer``'s.
    """

    def __init__(self, name: str = 'visualizer', top_k: int = 4,
                 attr_thr: float = 0.5, min_size: int = 512,
                 font_size: int = 10, min_font_size: int = 9, **kwargs):
        super().__init__(name=name, **kwargs)
        self.top_k, self.attr_thr = top_k, attr_thr
        self.min_size, self.font_size = min_size, font_size
        self.min_font_size = min_font_size

    def attribute_texts(self, instances: InstanceData) -> List[str]:
        """Per instance, its top attributes as one line each."""
        names = (self.dataset_meta or {}).get('attributes')
        if not names or not len(instances):
            return [''] * len(instances)
        if 'attr_scores' in instances:
            scores, with_score = instances.attr_scores, True
        elif 'attributes' in instances:
            scores, with_score = instances.attributes, False
        else:
            return [''] * len(instances)
        scores = np.asarray(scores.cpu() if hasattr(scores, 'cpu')
                            else scores, dtype=np.float32)
        texts = []
        for row in scores:
            top = [i for i in np.argsort(-row, kind='stable')[:self.top_k]
                   if row[i] >= (self.attr_thr if with_score else 1)]
            texts.append('\n'.join(
                f'{names[i]} {row[i]:.2f}' if with_score else names[i]
                for i in top))
        return texts

    def draw_texts(self, texts, positions, colors='g', font_sizes=None,
                   **kwargs):
        """mmengine's ``draw_texts`` with fonts of at least
        ``min_font_size``, each box then moved inside the canvas."""
        if font_sizes is None:
            font_sizes = self._default_font_size
        font_sizes = [max(s, self.min_font_size) for s in font_sizes] \
            if isinstance(font_sizes, list) \
            else max(font_sizes, self.min_font_size)
        drawn = len(self.ax_save.texts)
        super().draw_texts(texts, positions, colors=colors,
                           font_sizes=font_sizes, **kwargs)
        keep_inside(self, self.ax_save.texts[drawn:])
        return self

    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes: Optional[List[str]],
                        palette: Optional[List[tuple]]) -> np.ndarray:
        image = super()._draw_instances(image, instances, classes, palette)
        texts = self.attribute_texts(instances)
        if not any(texts) or 'bboxes' not in instances:
            return image
        # mmdet's class labels, one per box, are still on the canvas: each
        # garment's attributes go right under its label
        labels = [text_box(self, t) for t in self.ax_save.texts]
        boxes = get_box_tensor(instances.bboxes).cpu().numpy()
        for i, ((x1, y1, _, _), text) in enumerate(zip(boxes, texts)):
            if not text:
                continue
            x, y = (labels[i][0], labels[i][3] + 1) \
                if len(labels) == len(boxes) else (x1 + 2, y1 + 2)
            self.draw_texts(text, np.array([x, y]), font_sizes=self.font_size,
                            colors='white', vertical_alignments='top',
                            bboxes=[dict(facecolor='black', alpha=0.6,
                                         pad=0.5, edgecolor='none')])
        return self.get_image()

    def add_datasample(self, name: str, image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       *args, **kwargs) -> None:
        """mmdet's, on the image and instances upscaled to ``min_size``
        (not when the sample carries segmentation maps)."""
        factor = upscale_factor(image.shape, self.min_size)
        if data_sample is not None and any(
                key in data_sample for key in (
                    'gt_sem_seg', 'pred_sem_seg', 'gt_panoptic_seg',
                    'pred_panoptic_seg')):
            factor = 1
        if factor > 1:
            image = upscale(image, factor)
            if data_sample is not None:
                data_sample = data_sample.clone()
                for key in ('gt_instances', 'pred_instances'):
                    if key in data_sample:
                        setattr(data_sample, key, upscale_instances(
                            data_sample.get(key), factor))
        return super().add_datasample(name, image, data_sample, *args,
                                      **kwargs)
