from .attr_categories_hook import AttrCategoriesHook
from .channels_last_hook import (ChannelsLastDistributedDataParallel,
                                 ChannelsLastHook)
from .exact_resume_loop import ExactResumeEpochBasedTrainLoop
from .intra_op_threads_hook import IntraOpThreadsHook
from .iteration_seed_hook import IterationSeedHook
from .progressive_training_hook import ProgressiveTrainingHook
from .require_load_from_hook import RequireLoadFromHook
from .sync_thresholds_hook import SyncThresholdsHook
from .task_schema_check_hook import TaskSchemaCheckHook
from .workers_aware_runner import WorkersAwareRunner

__all__ = ['AttrCategoriesHook', 'ChannelsLastDistributedDataParallel',
           'ChannelsLastHook', 'ExactResumeEpochBasedTrainLoop',
           'IntraOpThreadsHook', 'IterationSeedHook',
           'ProgressiveTrainingHook', 'RequireLoadFromHook',
           'SyncThresholdsHook', 'TaskSchemaCheckHook', 'WorkersAwareRunner']
