from .multi_task_masked_head import MultiTaskMaskedHead

__all__ = ['MultiTaskMaskedHead']
