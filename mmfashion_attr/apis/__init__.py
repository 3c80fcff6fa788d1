from .attribute_inferencer import AttributeInferencer
from .m2fashion_inferencer import M2FashionInferencer

__all__ = ['AttributeInferencer', 'M2FashionInferencer']
