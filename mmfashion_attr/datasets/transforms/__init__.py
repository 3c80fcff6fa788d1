from .attribute_label_mask import MaskAttributeStates
from .loading import ImageDecodeError, LoadFashionImage, decode_image

__all__ = ['ImageDecodeError', 'LoadFashionImage', 'MaskAttributeStates',
           'decode_image']
