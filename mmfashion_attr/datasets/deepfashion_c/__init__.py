"""DeepFashion Category and Attribute Prediction benchmark: list-file reader
and dataset."""
from .dataset import DeepFashionCDataset

__all__ = ['DeepFashionCDataset']
