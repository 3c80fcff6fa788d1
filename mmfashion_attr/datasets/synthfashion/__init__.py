"""SynthFashion, the embedded dataset: the generator (catalogue format) and
its DeepFashion-C export."""
from .generator import (ATTRIBUTES, BOTTOMS, CATEGORY_FREQ, COLORS, GROUPS,
                        SPLIT_IDS, TOPS, VERSION, generate, generation_info,
                        is_current, make_sample, render, sample_labels,
                        schema_dict)

__all__ = ['ATTRIBUTES', 'BOTTOMS', 'CATEGORY_FREQ', 'COLORS', 'GROUPS',
           'SPLIT_IDS', 'TOPS', 'VERSION', 'generate', 'generation_info',
           'is_current', 'make_sample', 'render', 'sample_labels',
           'schema_dict']
