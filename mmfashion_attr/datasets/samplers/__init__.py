from .labelled_task_sampler import LabelledTaskSampler

__all__ = ['LabelledTaskSampler']
