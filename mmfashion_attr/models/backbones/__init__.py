from .efficientnet_lite import EfficientNetLite
from .efficientnet_v2_taps import EfficientNetV2Taps
from .frozen_feature_cache import FrozenFeatureCache

__all__ = ['EfficientNetLite', 'EfficientNetV2Taps', 'FrozenFeatureCache']
