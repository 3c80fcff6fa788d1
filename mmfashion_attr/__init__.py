"""mmfashion_attr: fashion attribute extraction as an mmpretrain plugin.

Importing it registers its models, datasets, transforms and metrics into
mmpretrain's registries (usable from any config through
``custom_imports = dict(imports=['mmfashion_attr'])``), makes mmengine load
every checkpoint weights-only (its own training state allowlisted) and the
Runner load this package's trained models strictly (see
``utils/checkpoint_loading.py``).
"""
from . import (datasets, engine, evaluation, models,  # noqa: F401  registers
               visualization)
from .utils import register_checkpoint_loaders
from .version import __version__

register_checkpoint_loaders()

__all__ = ['__version__']
