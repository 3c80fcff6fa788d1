from .attribute_roi_head import AttributeRoIHead

__all__ = ['AttributeRoIHead']
