from .attribute_label_mask import MaskAttributeStates
from .instance_attributes import (KeepInstanceAttributes,
                                  LoadInstanceAttributes,
                                  PackDetInputsWithAttributes)
from .loading import ImageDecodeError, LoadFashionImage, decode_image
from .seeded_randomness import SeededRandomness

__all__ = ['ImageDecodeError', 'KeepInstanceAttributes',
           'LoadFashionImage', 'LoadInstanceAttributes', 'MaskAttributeStates',
           'PackDetInputsWithAttributes', 'SeededRandomness', 'decode_image']
