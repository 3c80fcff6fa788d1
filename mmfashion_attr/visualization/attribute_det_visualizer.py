"""mmdet's detection drawing plus each garment's top attributes.

Own subclass: mmdet's ``DetLocalVisualizer`` draws boxes, classes and
masks but knows no attributes; this one adds them under each box, so
``tools/test.py --show-dir``, ``DetInferencer`` and ``demo/det_demo.py``
show them.
"""
from typing import List, Optional

import numpy as np
from mmdet.registry import VISUALIZERS
from mmdet.structures.bbox import get_box_tensor
from mmdet.visualization import DetLocalVisualizer
from mmengine.structures import InstanceData


@VISUALIZERS.register_module()
class AttributeDetLocalVisualizer(DetLocalVisualizer):
    """``DetLocalVisualizer`` that writes, inside each box's bottom left,
    the names of its top attributes: predictions' ``attr_scores`` (with
    the score) from ``attr_thr``, ground truths' ``attributes`` (multi-hot).
    Names come from ``dataset_meta['attributes']``.

    Args:
        name (str): The instance's name (mmengine's visualizers are
            managed by name). Default: 'visualizer'.
        top_k (int): Attributes written per garment. Default: 4.
        attr_thr (float): Predicted attributes from this score. Default:
            0.5.
        **kwargs: ``DetLocalVisualizer``'s.
    """

    def __init__(self, name: str = 'visualizer', top_k: int = 4,
                 attr_thr: float = 0.5, **kwargs):
        super().__init__(name=name, **kwargs)
        self.top_k, self.attr_thr = top_k, attr_thr

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

    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes: Optional[List[str]],
                        palette: Optional[List[tuple]]) -> np.ndarray:
        image = super()._draw_instances(image, instances, classes, palette)
        texts = self.attribute_texts(instances)
        if not any(texts) or 'bboxes' not in instances:
            return image
        self.set_image(image)
        boxes = get_box_tensor(instances.bboxes).cpu().numpy()
        for (x1, _, _, y2), text in zip(boxes, texts):
            if text:
                self.draw_texts(text, np.array([x1 + 2, y2 - 2]),
                                font_sizes=8, colors='white',
                                vertical_alignments='bottom',
                                bboxes=[dict(facecolor='black', alpha=0.6,
                                             pad=0.5, edgecolor='none')])
        return self.get_image()
