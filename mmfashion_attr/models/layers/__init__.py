from .attribute_channel_attention import AttributeChannelAttention
from .attribute_spatial_attention import AttributeSpatialAttention
from .cbam import CBAM

__all__ = ['AttributeChannelAttention', 'AttributeSpatialAttention', 'CBAM']
