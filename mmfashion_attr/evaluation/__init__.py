from .attribute_f1 import AttributeF1

__all__ = ['AttributeF1']
