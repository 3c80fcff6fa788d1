from .m2fashion_head import M2FashionHead
from .multi_task_masked_head import MultiTaskMaskedHead

__all__ = ['M2FashionHead', 'MultiTaskMaskedHead']
