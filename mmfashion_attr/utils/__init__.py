from .checkpoint_loading import register_checkpoint_loaders

__all__ = ['register_checkpoint_loaders']
