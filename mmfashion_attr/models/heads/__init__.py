from .m2fashion_head import M2FashionHead
from .multi_task_masked_head import MultiTaskMaskedHead
from .roi_attribute_head import RoIAttributeHead

__all__ = ['M2FashionHead', 'MultiTaskMaskedHead', 'RoIAttributeHead']
