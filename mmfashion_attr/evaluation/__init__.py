from .attribute_f1 import AttributeF1
from .attribute_topk_recall import AttributeTopKRecall
from .fashionpedia_metric import FashionpediaMetric

__all__ = ['AttributeF1', 'AttributeTopKRecall', 'FashionpediaMetric']
