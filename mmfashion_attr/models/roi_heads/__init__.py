from .attribute_branch import AttributeBranchMixin
from .attribute_roi_head import AttributeRoIHead
from .cascade_attribute_roi_head import CascadeAttributeRoIHead

__all__ = ['AttributeBranchMixin', 'AttributeRoIHead',
           'CascadeAttributeRoIHead']
