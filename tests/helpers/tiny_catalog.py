"""A two-category schema and an image folder of three empty files (the
``root`` fixture), shared by the catalogue tests: import it into a test
module (or conftest) to use it."""
import json

import pytest

SCHEMA = dict(
    categories=['jeans', 'shirt'],
    attributes=[
        dict(name='closure', values=['button', 'zip'], multi_label=True),
        dict(name='neck', values=['round', 'collar'], multi_label=False,
             categories=['shirt']),
    ])


@pytest.fixture
def root(tmp_path):
    (tmp_path / 'schema.json').write_text(json.dumps(SCHEMA))
    (tmp_path / 'img').mkdir()
    for name in ('a.jpg', 'b.jpg', 'c.jpg'):
        (tmp_path / 'img' / name).write_bytes(b'')
    return tmp_path
