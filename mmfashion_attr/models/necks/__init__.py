from .channel_preserving_fpn import ChannelPreservingFPN
from .scale_attn_fpn import ScaleAttnFPN

__all__ = ['ChannelPreservingFPN', 'ScaleAttnFPN']
