"""mmfashion_attr: importing it registers its modules into mmpretrain's registries."""
from .version import __version__

__all__ = ['__version__']
