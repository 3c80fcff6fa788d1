from .catalog_dataset import AnnotationError, CatalogAttrDataset
from .fashionpedia_dataset import FashionpediaAttrDataset
from .labelled_task_sampler import LabelledTaskSampler
from .schema import AttributeSchema, SchemaError
from .transforms import *  # noqa: F401,F403

__all__ = ['AnnotationError', 'AttributeSchema', 'CatalogAttrDataset',
           'FashionpediaAttrDataset', 'LabelledTaskSampler', 'SchemaError']
