"""tools/review.py --export without a server (the command of
docs/label_audit.md): the decisions in the database exported."""
import csv
import json

from mmfashion_attr.review import DecisionStore
from tests.helpers.review_fixture import load_review, make_review_fixture
from tests.helpers.run_tool import run


def test_review_export_command(tmp_path):
    files = make_review_fixture(str(tmp_path / 'fixture'), size=32)
    review = load_review(files)
    item = review.items[1]
    store = DecisionStore(str(tmp_path / 'fixture' / 'audit' /
                              'review.sqlite'), files['ann'])
    store.decide(item.image, item.attribute, 'accept', list(item.suggested),
                 item.seller, item.suggested)
    store.close()
    args = ['tools/review.py', '--audit', files['audit'], '--ann',
            files['ann'], '--img-prefix', files['img_prefix'], '--export']
    out = json.loads(run(args).stdout.strip().splitlines()[-1])
    assert (out['cells_changed'], out['decided'], out['items']) == (1, 1, 7)
    assert out['corrected'].endswith('audit/review_export/'
                                     'catalogue.corrected.csv')
    rows = list(csv.DictReader(open(out['corrected'])))
    row = next(r for r in rows if r['image'].lstrip('./') == item.image)
    assert row[item.attribute] == item.suggested[0]
    assert len(list(csv.DictReader(open(out['decisions_log'])))) == 1

