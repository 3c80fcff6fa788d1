"""tools/analysis_tools/confusion_matrix.py on a hand-made dump of five
images: the counts of a single-label attribute (a not-applicable
prediction and an unlabelled image among them) and of a multi-label one
at the config's threshold and at --thresholds."""
import csv
import json
import pickle

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmfashion_attr.analysis.attribute_errors import safe_file_name
from mmfashion_attr.analysis.dumped_predictions import dataset_meta
from mmfashion_attr.evaluation import AttributeF1
from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import write_tiny_config

TOOL = 'tools/analysis_tools/confusion_matrix.py'
# SynthFashion's flat layout (schema.json): first column of each task
CATEGORY, COLOR, PATTERN, NUM_VALUES, NUM_TASKS = 0, 6, 14, 42, 9
T_SHIRT, JEANS = 0, 1
BLACK, WHITE, BLUE, RED = 0, 1, 2, 3
SOLID, STRIPED, CHECKED = 0, 1, 2


def sample(category, color, pattern, img='x.jpg'):
    """One image's dump: each of ``category`` / ``color`` / ``pattern`` is
    ``(true values or None if unlabelled, {value: score})``; the other
    tasks are unlabelled."""
    score = np.zeros(NUM_VALUES, np.float32)
    gt = np.zeros(NUM_VALUES, np.int64)
    mask = np.zeros(NUM_TASKS, np.int64)
    for task, start, (true, scores) in ((0, CATEGORY, category),
                                        (1, COLOR, color),
                                        (2, PATTERN, pattern)):
        for value, s in scores.items():
            score[start + value] = s
        if true is not None:
            mask[task] = 1
            gt[[start + v for v in true]] = 1
    return dict(img_path=img, pred_score=torch.from_numpy(score),
                gt_attr=gt, gt_attr_mask=mask)


DUMP = [
    # true value(s), scores
    sample(([T_SHIRT], {T_SHIRT: .9}), ([BLACK], {BLACK: .9}),
           ([SOLID], {SOLID: .7, STRIPED: .1})),
    sample(([T_SHIRT], {T_SHIRT: .8}), ([BLACK, WHITE], {BLACK: .6,
                                                         WHITE: .4}),
           ([SOLID], {SOLID: .3, STRIPED: .6})),
    sample(([JEANS], {JEANS: .7}), ([BLUE], {BLUE: .8, RED: .7}),
           ([STRIPED], {STRIPED: .9})),
    # pattern: every score 0 (not applicable to the predicted category);
    # colour unlabelled
    sample(([JEANS], {JEANS: .6}), (None, {RED: .9}), ([CHECKED], {})),
    # category wrong; pattern unlabelled
    sample(([JEANS], {T_SHIRT: .5, JEANS: .4}), ([RED], {RED: .2}),
           (None, {SOLID: .9})),
]


@pytest.fixture(scope='module')
def inputs(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('confusion')
    with open(tmp / 'dump.pkl', 'wb') as f:
        pickle.dump(DUMP, f)
    return (write_tiny_config(tmp / 'tiny.py', synth_root),
            str(tmp / 'dump.pkl'), tmp)


def confusion(inputs, monkeypatch, capsys, *args):
    config, pkl, tmp = inputs
    out = tmp / ('out' + '_'.join(args))
    assert run_in_process(TOOL, [config, pkl, '--out-dir', out, *args],
                          monkeypatch) == 0
    printed = capsys.readouterr().out
    return json.loads((out / 'confusion.json').read_text()), out, printed


def test_single_label_matrix(inputs, monkeypatch, capsys):
    tables, out, printed = confusion(inputs, monkeypatch, capsys)
    assert set(tables['attributes']) == {'category', 'color', 'pattern'}
    pattern = tables['attributes']['pattern']
    assert pattern['support'] == 4  # the unlabelled image is left out
    assert pattern['predicted'] == ['solid', 'striped', 'checked',
                                    'polka_dot', '(not applicable)']
    assert pattern['matrix'] == [[1, 1, 0, 0, 0],   # true solid
                                 [0, 1, 0, 0, 0],   # true striped
                                 [0, 0, 0, 0, 1],   # true checked
                                 [0, 0, 0, 0, 0]]   # true polka_dot
    category = tables['attributes']['category']
    # no image predicted not applicable: a square matrix
    assert len(category['predicted']) == 6
    assert category['matrix'][T_SHIRT][:2] == [2, 0]
    assert category['matrix'][JEANS][:2] == [1, 2]  # one jeans -> t-shirt
    with open(out / 'pattern.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['true \\ predicted', 'solid', 'striped', 'checked',
                       'polka_dot', '(not applicable)']
    assert rows[3] == ['checked', '0', '0', '0', '0', '1']
    for name in ('category', 'color', 'pattern'):
        assert mmcv.imread(str(out / f'{name}.png')).shape[2] == 3
    assert 'pattern: 4 images, accuracy 0.5000, most confused: ' \
        'solid -> striped (1)' in printed


def test_multi_label_counts(inputs, monkeypatch, capsys):
    at_05, out, _ = confusion(inputs, monkeypatch, capsys)
    color = at_05['attributes']['color']
    assert color['support'] == 4 and color['threshold'] == 0.5
    counts = {v: (c['tp'], c['fp'], c['fn'])
              for v, c in color['values'].items()}
    assert counts['black'] == (2, 0, 0)
    assert counts['white'] == (0, 0, 1)
    assert counts['blue'] == (1, 0, 0)
    assert counts['red'] == (0, 1, 1)
    assert sum(map(sum, counts.values())) == 6
    with open(out / 'color.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['value', 'tp', 'fp', 'fn', 'precision', 'recall',
                       'f1']
    assert rows[4] == ['red', '0', '1', '1', '0.0000', '0.0000', '0.0000']
    # the totals are AttributeF1's micro precision and recall
    metric = AttributeF1(log_table=False)
    metric.dataset_meta = dataset_meta(Config.fromfile(inputs[0]))
    metric.process(None, DUMP)
    f1 = metric.compute_metrics(metric.results)
    assert f1['color/precision_micro'] == pytest.approx(3 / 4)
    assert f1['color/recall_micro'] == pytest.approx(3 / 5)
    # a lower threshold finds white on the second image
    at_03, _, printed = confusion(inputs, monkeypatch, capsys,
                                  '--thresholds', '0.3')
    white = at_03['attributes']['color']['values']['white']
    assert (white['tp'], white['fn']) == (1, 0)
    assert 'color: 4 images, threshold 0.3, TP 4 FP 1 FN 1' in printed


def test_attribute_names_as_file_names():
    assert safe_file_name('neck_type') == 'neck_type'
    assert safe_file_name('sleeve length / style') == 'sleeve_length_style'
    assert safe_file_name('../..') == '_'


def test_not_an_attribute_classifiers_dump(inputs, monkeypatch, capsys):
    config, _, tmp = inputs
    for name, dump, words in (
            ('det.pkl', [dict(img_id=1, pred_instances={})],
             'the predictions have no pred_score, gt_attr, gt_attr_mask'),
            ('other.pkl', [dict(DUMP[0], pred_score=torch.zeros(5),
                                gt_attr=np.zeros(5))],
             '5 scores and 9 label flags per image, but the config has 9 '
             'tasks of 42 values')):
        with open(tmp / name, 'wb') as f:
            pickle.dump(dump, f)
        assert run_in_process(TOOL, [config, tmp / name, '--out-dir',
                                     tmp / 'x'], monkeypatch) == 2
        err = capsys.readouterr().err
        assert words in err and 'Traceback' not in err, err
