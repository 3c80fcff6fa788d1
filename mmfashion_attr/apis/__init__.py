from .attribute_inferencer import AttributeInferencer

__all__ = ['AttributeInferencer']
