"""The HTTP attribute service behind ``tools/serve.py`` (the serve extra:
``pip install -e .[serve]``). Not imported by ``mmfashion_attr`` itself."""
from .app import create_app
from .micro_batcher import MicroBatcher
from .predictors import AttributePredictor, M2FashionPredictor, build_predictor
from .request_parsing import RequestError, ServeLimits, Upload

__all__ = ['create_app', 'MicroBatcher', 'AttributePredictor',
           'M2FashionPredictor', 'build_predictor', 'RequestError',
           'ServeLimits', 'Upload']
