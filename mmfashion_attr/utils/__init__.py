from .checkpoint_loading import (CheckpointMismatchError,
                                 CheckpointRefusedError,
                                 load_trained_weights,
                                 register_checkpoint_loaders,
                                 trusted_checkpoints)
from .dataloader_defaults import set_dataloader_defaults
from .distributed import end_distributed, prepare_distributed

__all__ = ['CheckpointMismatchError', 'CheckpointRefusedError',
           'end_distributed', 'load_trained_weights',
           'prepare_distributed', 'register_checkpoint_loaders',
           'set_dataloader_defaults', 'trusted_checkpoints']
