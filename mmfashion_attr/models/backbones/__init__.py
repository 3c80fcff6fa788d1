from .efficientnet_lite import EfficientNetLite
from .efficientnet_v2_taps import EfficientNetV2Taps

__all__ = ['EfficientNetLite', 'EfficientNetV2Taps']
