from .attr_categories_hook import AttrCategoriesHook
from .channels_last_hook import (ChannelsLastDistributedDataParallel,
                                 ChannelsLastHook)
from .exact_resume_loop import ExactResumeEpochBasedTrainLoop
from .progressive_training_hook import ProgressiveTrainingHook
from .require_load_from_hook import RequireLoadFromHook
from .sync_thresholds_hook import SyncThresholdsHook
from .task_schema_check_hook import TaskSchemaCheckHook

__all__ = ['AttrCategoriesHook', 'ChannelsLastDistributedDataParallel',
           'ChannelsLastHook', 'ExactResumeEpochBasedTrainLoop',
           'ProgressiveTrainingHook', 'RequireLoadFromHook',
           'SyncThresholdsHook', 'TaskSchemaCheckHook']
