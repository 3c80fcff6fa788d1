"""The catalogue format (CSV / JSON Lines rows of image + attribute values):
row parser, compact attribute table, dataset."""
from .dataset import CatalogAttrDataset
from .rows import VALUE_SEPARATOR, AnnotationError

__all__ = ['AnnotationError', 'CatalogAttrDataset', 'VALUE_SEPARATOR']
