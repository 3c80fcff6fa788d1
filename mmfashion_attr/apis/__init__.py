from .attribute_det_inferencer import AttributeDetInferencer
from .attribute_inferencer import AttributeInferencer
from .m2fashion_inferencer import M2FashionInferencer

__all__ = ['AttributeDetInferencer', 'AttributeInferencer',
           'M2FashionInferencer']
