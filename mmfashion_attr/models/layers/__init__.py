from .attribute_channel_attention import AttributeChannelAttention
from .attribute_spatial_attention import AttributeSpatialAttention
from .attribute_state_embedding import AttributeStateEmbedding
from .cbam import CBAM

__all__ = ['AttributeChannelAttention', 'AttributeSpatialAttention',
           'AttributeStateEmbedding', 'CBAM']
