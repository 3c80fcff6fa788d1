from .cbam import CBAM

__all__ = ['CBAM']
