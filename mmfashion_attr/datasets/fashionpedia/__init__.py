"""Fashionpedia / iMaterialist-Fashion: the image-level attribute dataset, the
garment-instance dataset (masks + attributes), COCO segmentation helpers and
Kaggle's iMaterialist-2020 CSV with its run-length encoding."""
from .attribute_dataset import FashionpediaAttrDataset
from .instance_dataset import FashionpediaInstanceDataset

__all__ = ['FashionpediaAttrDataset', 'FashionpediaInstanceDataset']
