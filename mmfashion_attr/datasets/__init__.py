from .catalog_dataset import AnnotationError, CatalogAttrDataset
from .deepfashion_c_dataset import DeepFashionCDataset
from .fashionpedia_dataset import FashionpediaAttrDataset
from .fashionpedia_instances import FashionpediaInstanceDataset
from .labelled_task_sampler import LabelledTaskSampler
from .schema import AttributeSchema, SchemaError
from .transforms import *  # noqa: F401,F403

__all__ = ['AnnotationError', 'AttributeSchema', 'CatalogAttrDataset',
           'DeepFashionCDataset', 'FashionpediaAttrDataset',
           'FashionpediaInstanceDataset',
           'LabelledTaskSampler', 'SchemaError']
