from mmfashion_attr.analysis.label_statistics import label_statistics
from tests.helpers.tiny_catalog import root  # noqa: F401  a fixture
from tests.test_datasets.test_catalog.test_catalog_dataset import build


def test_label_statistics(root):  # noqa: F811
    ds = build(root, 'image,category,closure,neck\n'
               'a.jpg,jeans,button|zip,\n'
               'b.jpg,shirt,,collar\n'
               'c.jpg,jeans,zip,\n')
    stats = {s['name']: s for s in label_statistics(ds)}
    assert stats['closure']['labelled'] == 2
    assert abs(stats['closure']['missing_rate'] - 1 / 3) < 1e-9
    assert stats['closure']['counts'] == dict(button=1, zip=2)
    assert stats['category']['counts'] == dict(jeans=2, shirt=1)
    assert stats['neck']['counts'] == dict(round=0, collar=1)
