from .attribute_det_inferencer import AttributeDetInferencer
from .attribute_inferencer import AttributeInferencer
from .m2fashion_inferencer import M2FashionInferencer
from .trained_model import init_trained_model

__all__ = ['AttributeDetInferencer', 'AttributeInferencer',
           'M2FashionInferencer', 'init_trained_model']
