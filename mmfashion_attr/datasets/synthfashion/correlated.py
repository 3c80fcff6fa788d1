"""SynthFashion's attributes drawn from a joint distribution with the
dependencies of real catalogues (``make_synthfashion.py --correlated``):
pattern and colours co-occur, sleeve style only with long sleeves, closure
by category, a hidden formal / casual look behind shirts and trousers, and
attributes that imply others. The rules and their probabilities are stated
in docs/datasets.md ("Attributes that depend on each other"); the default
generator (``generator.sample_labels``) draws each attribute on its own.

The truth has the same form as ``sample_labels``'s: ``category``, a colour
list, a closure list, one value for the other attributes; an attribute that
does not apply (sleeve style without long sleeves) is absent.
"""
from typing import Dict, Sequence

import numpy as np

from .vocabulary import CATEGORY_FREQ, COLORS

# checked fabrics come in these colour pairs (tartan-like)
CHECKED_PAIRS = (('red', 'black'), ('green', 'blue'), ('yellow', 'grey'))
# the colour beside white of striped and polka-dot fabrics
WHITE_PAIRED = {'striped': ('blue', 'black', 'red'),
                'polka_dot': ('red', 'pink', 'black')}


def _pick(rng, table: Dict[str, float]):
    """One key of ``{value: probability}``."""
    keys = list(table)
    return keys[rng.choice(len(keys), p=list(table.values()))]


def _uniform(rng, values: Sequence[str]):
    return values[rng.integers(len(values))]


def _long_tail_color(rng):
    """As the default generator: the k-th colour with weight 1 / k^0.6."""
    colors = list(COLORS)
    w = 1.0 / np.arange(1, len(colors) + 1)**0.6
    return colors[rng.choice(len(colors), p=w / w.sum())]


def colors_for(rng, pattern: str, solid=None) -> list:
    """The colours of a fabric of ``pattern``; ``solid``: the colours a
    solid one is drawn from (uniformly; None: long-tailed over all)."""
    if pattern == 'solid':
        return [_uniform(rng, solid) if solid else _long_tail_color(rng)]
    if pattern == 'checked':
        return list(CHECKED_PAIRS[rng.integers(len(CHECKED_PAIRS))])
    return [_uniform(rng, WHITE_PAIRED[pattern]), 'white']


def _t_shirt(rng, t):
    t['neck_type'] = _pick(rng, {'round': .55, 'v_neck': .3, 'henley': .15})
    if t['neck_type'] == 'henley':
        t['sleeve_length'], t['sleeve_style'] = 'long', 'regular'
    else:
        t['sleeve_length'] = _pick(rng, {'short': .65, 'long': .2,
                                         'sleeveless': .15})
        if t['sleeve_length'] == 'long':
            t['sleeve_style'] = _pick(rng, {'puff': .4, 'regular': .6})
    t['length'] = _pick(rng, {'cropped': .25, 'regular': .6, 'long': .15})
    t['pattern'] = _pick(rng, {'solid': .5, 'striped': .3, 'polka_dot': .2})
    t['color'] = colors_for(rng, t['pattern'])


def _shirt(rng, t):
    t['closure'] = ['button']
    if rng.random() < 0.6:  # formal
        t['neck_type'], t['sleeve_length'] = 'collar', 'long'
        t['sleeve_style'] = 'cuffed'
        t['pattern'] = _pick(rng, {'solid': .6, 'striped': .4})
        t['color'] = colors_for(rng, t['pattern'],
                                solid=('white', 'blue', 'grey'))
        t['length'] = _pick(rng, {'regular': .5, 'long': .5})
    else:  # casual
        t['neck_type'] = _pick(rng, {'round': .5, 'v_neck': .5})
        t['sleeve_length'] = _pick(rng, {'short': .7, 'three_quarter': .3})
        t['pattern'] = _pick(rng, {'checked': .7, 'solid': .3})
        t['color'] = colors_for(rng, t['pattern'])
        t['length'] = _pick(rng, {'cropped': .4, 'regular': .6})


DRESS_SLEEVES = {'mini': {'sleeveless': .6, 'short': .4},
                 'knee': {'short': .5, 'three_quarter': .5},
                 'ankle': {'long': .6, 'three_quarter': .4}}
DRESS_PATTERN = {'mini': {'polka_dot': .5, 'solid': .3, 'striped': .2},
                 'knee': {'solid': .5, 'striped': .3, 'polka_dot': .2},
                 'ankle': {'solid': .6, 'striped': .4}}


def _dress(rng, t):
    t['length'] = _pick(rng, {'mini': .4, 'knee': .35, 'ankle': .25})
    t['sleeve_length'] = _pick(rng, DRESS_SLEEVES[t['length']])
    if t['sleeve_length'] == 'sleeveless':
        t['neck_type'] = _pick(rng, {'v_neck': .6, 'round': .4})
    else:
        t['neck_type'] = _pick(rng, {'round': .35, 'v_neck': .25,
                                     'collar': .2, 'henley': .2})
    if t['sleeve_length'] == 'long':
        t['sleeve_style'] = ('cuffed' if t['neck_type'] == 'collar' else
                             _pick(rng, {'puff': .6, 'regular': .4}))
    t['pattern'] = _pick(rng, DRESS_PATTERN[t['length']])
    t['color'] = colors_for(rng, t['pattern'])


def _jeans(rng, t):
    t['pattern'], t['closure'] = 'solid', ['button', 'zip']
    t['color'] = [_pick(rng, {'blue': .7, 'black': .3})]
    t['distressed'] = _pick(rng, {'none': .45, 'rips': .35, 'knee_slit': .2}
                            if t['color'] == ['blue'] else
                            {'none': .7, 'knee_slit': .3})
    t['length'] = ('ankle' if t['distressed'] == 'knee_slit' else
                   _pick(rng, {'ankle': .65, 'knee': .25, 'mini': .1}))


def _trousers(rng, t):
    if rng.random() < 0.5:  # formal
        t['closure'], t['length'] = ['button', 'zip'], 'ankle'
        t['pattern'] = _pick(rng, {'solid': .6, 'striped': .2,
                                   'checked': .2})
        t['color'] = colors_for(rng, t['pattern'],
                                solid=('black', 'grey', 'blue'))
    else:  # casual
        t['closure'] = ['drawstring', 'elastic']
        t['length'] = _pick(rng, {'knee': .5, 'ankle': .5})
        t['pattern'] = 'solid'
        t['color'] = colors_for(rng, 'solid')


def _skirt(rng, t):
    if rng.random() < 0.5:
        t['closure'] = ['zip']
        t['length'] = _pick(rng, {'mini': .6, 'knee': .4})
        t['pattern'] = _pick(rng, {'checked': .6, 'solid': .4})
    else:
        t['closure'] = ['elastic']
        t['length'] = _pick(rng, {'knee': .4, 'ankle': .6})
        t['pattern'] = _pick(rng, {'solid': .5, 'polka_dot': .3,
                                   'checked': .2})
    t['color'] = colors_for(rng, t['pattern'])


DRAW = {'t-shirt': _t_shirt, 'shirt': _shirt, 'dress': _dress,
        'jeans': _jeans, 'trousers': _trousers, 'skirt': _skirt}


def sample_correlated_labels(rng) -> dict:
    """Draw a category (SynthFashion's frequencies) and its attribute values
    from the joint distribution (the full truth)."""
    cats = list(CATEGORY_FREQ)
    cat = cats[rng.choice(len(cats), p=list(CATEGORY_FREQ.values()))]
    truth = {'category': cat}
    DRAW[cat](rng, truth)
    return truth
