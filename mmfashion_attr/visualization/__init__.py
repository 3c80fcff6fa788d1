from .attribute_det_visualizer import AttributeDetLocalVisualizer

__all__ = ['AttributeDetLocalVisualizer']
