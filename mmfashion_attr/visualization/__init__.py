from .attribute_cls_visualizer import AttributeClsVisualizer
from .attribute_det_visualizer import AttributeDetLocalVisualizer
from .text_layout import keep_inside, text_boxes, upscale_factor

__all__ = ['AttributeClsVisualizer', 'AttributeDetLocalVisualizer',
           'keep_inside', 'text_boxes', 'upscale_factor']
