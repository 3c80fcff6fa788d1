"""Datasets, one folder per format (``catalog/``, ``fashionpedia/``,
``deepfashion_c/``, ``synthfashion/``), with ``transforms/`` and
``samplers/``; the attribute schema that every format shares is at the top."""
from .catalog import AnnotationError, CatalogAttrDataset
from .deepfashion_c import DeepFashionCDataset
from .fashionpedia import FashionpediaAttrDataset, FashionpediaInstanceDataset
from .samplers import LabelledTaskSampler
from .schema import AttributeSchema, SchemaError
from .transforms import *  # noqa: F401,F403

__all__ = ['AnnotationError', 'AttributeSchema', 'CatalogAttrDataset',
           'DeepFashionCDataset', 'FashionpediaAttrDataset',
           'FashionpediaInstanceDataset',
           'LabelledTaskSampler', 'SchemaError']
