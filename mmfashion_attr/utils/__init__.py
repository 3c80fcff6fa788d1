from .checkpoint_loading import register_checkpoint_loaders
from .dataloader_defaults import set_dataloader_defaults

__all__ = ['register_checkpoint_loaders', 'set_dataloader_defaults']
