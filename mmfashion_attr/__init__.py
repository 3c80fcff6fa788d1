"""mmfashion_attr: fashion attribute extraction as an mmpretrain plugin.

Importing it registers its models, datasets, transforms and metrics into
mmpretrain's registries (usable from any config through
``custom_imports = dict(imports=['mmfashion_attr'])``), and lets mmengine load
its own checkpoints under torch >= 2.6 (see ``utils/checkpoint_loading.py``).
"""
from . import (datasets, engine, evaluation, models,  # noqa: F401  registers
               visualization)
from .utils import register_checkpoint_loaders
from .version import __version__

register_checkpoint_loaders()

__all__ = ['__version__']
