"""SynthFashion's vocabulary: categories, colours, attributes with their
values, label rules and missing rates, task groups, and the schema built
from them; shared by the generator and its exporters."""


TOPS = ('t-shirt', 'shirt', 'dress')
BOTTOMS = ('jeans', 'trousers', 'skirt')
CATEGORY_FREQ = {'t-shirt': 0.32, 'jeans': 0.22, 'shirt': 0.16,
                 'dress': 0.13, 'trousers': 0.11, 'skirt': 0.06}
COLORS = {'black': (30, 30, 34), 'white': (236, 236, 232),
          'blue': (40, 70, 170), 'red': (190, 35, 40),
          'green': (40, 130, 60), 'yellow': (225, 195, 40),
          'pink': (230, 140, 175), 'grey': (128, 128, 128)}

# name, values, multi_label, categories, value_categories, missing rate
ATTRIBUTES = [
    ('color', list(COLORS), True, TOPS + BOTTOMS, {}, 0.05),
    ('pattern', ['solid', 'striped', 'checked', 'polka_dot'], False,
     TOPS + BOTTOMS, {}, 0.15),
    ('length', ['cropped', 'regular', 'long', 'mini', 'knee', 'ankle'], False,
     TOPS + BOTTOMS, {'cropped': TOPS[:2], 'regular': TOPS[:2],
                      'long': TOPS[:2], 'mini': ('dress', ) + BOTTOMS,
                      'knee': ('dress', ) + BOTTOMS,
                      'ankle': ('dress', ) + BOTTOMS}, 0.2),
    ('sleeve_length', ['sleeveless', 'short', 'three_quarter', 'long'], False,
     TOPS, {}, 0.25),
    ('neck_type', ['round', 'v_neck', 'collar', 'henley'], False, TOPS,
     {'collar': ('shirt', 'dress'), 'henley': ('t-shirt', 'dress')}, 0.35),
    ('sleeve_style', ['regular', 'cuffed', 'puff'], False, TOPS,
     {'cuffed': ('shirt', 'dress'), 'puff': ('t-shirt', 'dress')}, 0.35),
    ('closure', ['button', 'zip', 'drawstring', 'elastic'], True,
     ('shirt', ) + BOTTOMS,
     {'button': ('shirt', 'jeans', 'trousers'),
      'zip': ('jeans', 'trousers', 'skirt'),
      'drawstring': ('trousers', ), 'elastic': ('trousers', 'skirt')}, 0.45),
    ('distressed', ['none', 'rips', 'knee_slit'], False, ('jeans', ), {},
     0.3),
]


# roi / granularity of each task, as Parekh & Shaik 2023, Table 2 groups
# theirs: whole-garment properties are large-ROI, details drawn in a few
# pixels (neck, cuffs, buttons, rips) small-ROI; fine: values told apart by
# shape details.
GROUPS = {
    'category': ('large', 'coarse'),
    'color': ('large', 'coarse'),
    'pattern': ('large', 'fine'),
    'length': ('large', 'coarse'),
    'sleeve_length': ('small', 'coarse'),
    'neck_type': ('small', 'fine'),
    'sleeve_style': ('small', 'fine'),
    'closure': ('small', 'coarse'),
    'distressed': ('small', 'coarse'),
}


def schema_dict():
    """The SynthFashion schema in the catalogue format."""
    def groups(name):
        return dict(zip(('roi', 'granularity'), GROUPS[name]))

    return dict(
        category_task='category',
        categories=list(CATEGORY_FREQ),
        category_groups=groups('category'),
        attributes=[
            dict(name=n, values=v, multi_label=m, categories=list(c),
                 value_categories={k: list(x) for k, x in vc.items()},
                 **groups(n))
            for n, v, m, c, vc, _ in ATTRIBUTES
        ])
