from .attribute_score_tta import AverageAttrScoreTTA

__all__ = ['AverageAttrScoreTTA']
