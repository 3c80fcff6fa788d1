from .attribute_label_mask import MaskAttributeStates
from .instance_attributes import (KeepInstanceAttributes,
                                  LoadInstanceAttributes,
                                  PackDetInputsWithAttributes)
from .loading import ImageDecodeError, LoadFashionImage, decode_image

__all__ = ['ImageDecodeError', 'KeepInstanceAttributes',
           'LoadFashionImage', 'LoadInstanceAttributes', 'MaskAttributeStates',
           'PackDetInputsWithAttributes', 'decode_image']
