"""The miniature review (tests/helpers/review_fixture.py), made once per
module and copied per test (decisions are written beside it)."""
import shutil

import pytest

from tests.helpers.review_fixture import make_review_fixture


@pytest.fixture(scope='module')
def review_source(tmp_path_factory):
    return make_review_fixture(str(tmp_path_factory.mktemp('review')),
                               size=64)


@pytest.fixture
def review_files(review_source, tmp_path):
    """A fresh copy of the miniature: catalogue, schema, images, audit."""
    root = tmp_path / 'review'
    shutil.copytree(review_source['root'], root)
    return {k: v.replace(review_source['root'], str(root))
            if isinstance(v, str) else v for k, v in review_source.items()}

