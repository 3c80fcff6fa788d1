from .labelled_task_sampler import LabelledTaskSampler
from .seeded_sampler import SeededIndex, SeededSampler, sample_seed

__all__ = ['LabelledTaskSampler', 'SeededIndex', 'SeededSampler',
           'sample_seed']
