from .m2fashion_classifier import M2FashionClassifier

__all__ = ['M2FashionClassifier']
