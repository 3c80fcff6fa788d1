"""SynthFashion, the embedded dataset: the generator (catalogue format) and
its exporters (DeepFashion-C lists, garment instances), which share the
vocabulary module with it."""
from .generator import (SPLIT_IDS, VERSION, generate, generation_info,
                        is_current, make_sample, render, sample_labels)
from .vocabulary import (ATTRIBUTES, BOTTOMS, CATEGORY_FREQ, COLORS, GROUPS,
                         TOPS, schema_dict)

__all__ = ['ATTRIBUTES', 'BOTTOMS', 'CATEGORY_FREQ', 'COLORS', 'GROUPS',
           'SPLIT_IDS', 'TOPS', 'VERSION', 'generate', 'generation_info',
           'is_current', 'make_sample', 'render', 'sample_labels',
           'schema_dict']
