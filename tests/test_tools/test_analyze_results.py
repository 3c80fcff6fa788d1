"""tools/analysis_tools/analyze_results.py on a hand-made dump of the
tiny SynthFashion test images: per attribute, the most confident right and
wrong images in order, each drawn from its own image."""
import json
import os
import os.path as osp
import pickle

import mmcv
import numpy as np
import pytest
import torch

from tests.helpers.in_process_tool import run_in_process
from tests.helpers.tiny_config import write_tiny_config

TOOL = 'tools/analysis_tools/analyze_results.py'
# SynthFashion's flat layout (schema.json): first column of each task
CATEGORY, COLOR, NUM_VALUES, NUM_TASKS = 0, 6, 42, 9
T_SHIRT, JEANS = 0, 1
BLACK, BLUE, RED, GREEN = 0, 2, 3, 4
# per test image: (category: true or None, scores), (colour: true values
# or None, scores); the confidence the tool should give in the comment
CASES = [
    ((T_SHIRT, {T_SHIRT: .9}), ([BLACK], {BLACK: .9})),  # right .9; .4
    ((T_SHIRT, {T_SHIRT: .6}), ([BLACK], {BLACK: .6})),  # right .6; .1
    ((JEANS, {T_SHIRT: .8}), ([BLUE], {BLUE: .95, RED: .05})),  # wrong .8;
    # right .45
    ((JEANS, {JEANS: .7}), ([RED], {RED: .3})),  # right .7; wrong .2 (FN)
    ((JEANS, {T_SHIRT: .55}), ([RED], {RED: .8, GREEN: .9})),  # wrong .55;
    # wrong .4 (FP green)
    ((None, {T_SHIRT: .99}), ([BLACK], {BLACK: .45})),  # -; wrong .05
    ((JEANS, {T_SHIRT: .3, JEANS: .2}), (None, {RED: .99})),  # wrong .3; -
]


@pytest.fixture(scope='module')
def inputs(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('analyze_results')
    dump = []
    for i, ((cat, cat_scores), (colors, color_scores)) in enumerate(CASES):
        score = np.zeros(NUM_VALUES, np.float32)
        gt = np.zeros(NUM_VALUES, np.int64)
        mask = np.zeros(NUM_TASKS, np.int64)
        for v, s in cat_scores.items():
            score[CATEGORY + v] = s
        for v, s in color_scores.items():
            score[COLOR + v] = s
        if cat is not None:
            gt[CATEGORY + cat], mask[0] = 1, 1
        if colors is not None:
            gt[[COLOR + v for v in colors]], mask[1] = 1, 1
        dump.append(dict(img_path=osp.join(synth_root, 'images', 'test',
                                           f'{i:06d}.jpg'),
                         pred_score=torch.from_numpy(score), gt_attr=gt,
                         gt_attr_mask=mask))
    with open(tmp / 'dump.pkl', 'wb') as f:
        pickle.dump(dump, f)
    return (write_tiny_config(tmp / 'tiny.py', synth_root), tmp / 'dump.pkl',
            tmp)


def analyze(inputs, monkeypatch, capsys, *args):
    config, pkl, tmp = inputs
    out = tmp / 'out'
    assert run_in_process(TOOL, [
        config, pkl, '--out-dir', out, '--topk', 2, '--min-size', 64,
        '--attributes', 'category', 'color', *args], monkeypatch) == 0, \
        capsys.readouterr().err
    analysis = json.loads((out / 'analysis.json').read_text())
    return analysis['attributes'], out, capsys.readouterr().out


def order(entries):
    return [(osp.basename(e['img_path']), round(e['confidence'], 4))
            for e in entries]


def test_most_confident_right_and_wrong(inputs, monkeypatch, capsys):
    found, out, printed = analyze(inputs, monkeypatch, capsys)
    assert set(found) == {'category', 'color'}
    # of the 6 labelled images each
    assert 'category: 3 right, 3 wrong; drew the 2 + 2 most confident' \
        in printed
    assert 'color: 3 right, 3 wrong' in printed
    category, color = found['category'], found['color']
    # single-label: the top score; the unlabelled image 5 left out
    assert order(category['success']) == [('000000.jpg', .9),
                                          ('000003.jpg', .7)]
    assert order(category['fail']) == [('000002.jpg', .8),
                                       ('000004.jpg', .55)]
    assert category['fail'][0]['predicted'] == ['t-shirt']
    assert category['fail'][0]['true'] == ['jeans']
    # multi-label (threshold 0.5): the least sure value's margin when
    # right, the surest wrong value's when wrong
    assert order(color['success']) == [('000002.jpg', .45),
                                       ('000000.jpg', .4)]
    assert order(color['fail']) == [('000004.jpg', .4), ('000003.jpg', .2)]
    assert color['fail'][0]['predicted'] == ['red', 'green']
    assert color['fail'][0]['true'] == ['red']
    assert color['fail'][1]['predicted'] == []
    # drawn: the image itself (64 px, not upscaled) beside the panel
    for attribute, kinds in found.items():
        for kind, entries in kinds.items():
            for rank, entry in enumerate(entries, 1):
                name = osp.basename(entry['img_path']).replace('.jpg', '')
                path = out / attribute / kind / f'{rank}_{name}.png'
                assert entry['file'] == str(path)
                drawn, image = mmcv.imread(str(path)), mmcv.imread(
                    entry['img_path'])
                assert drawn.shape[1] > image.shape[1]  # the text panel
                assert np.abs(drawn[:64, :64].astype(int) - image).mean() \
                    < 2


def test_thresholds_change_multi_label_verdicts(inputs, monkeypatch,
                                                capsys):
    """At 0.25, image 3's red (0.3) is found: right, margin 0.05; the
    drawings of the run at 0.5 in the same folder are replaced."""
    analyze(inputs, monkeypatch, capsys)
    found, out, _ = analyze(inputs, monkeypatch, capsys, '--thresholds',
                            '0.25')
    assert ('000003.jpg', .05) not in order(found['color']['fail'])
    assert order(found['color']['fail'])[0] == ('000004.jpg', .65)
    for kind, entries in found['color'].items():
        assert sorted(os.listdir(out / 'color' / kind)) == sorted(
            osp.basename(e['file']) for e in entries)


def test_unknown_attribute(inputs, monkeypatch, capsys):
    config, pkl, tmp = inputs
    assert run_in_process(TOOL, [config, pkl, '--out-dir', tmp / 'x',
                                 '--attributes', 'colour'],
                          monkeypatch) == 2
    err = capsys.readouterr().err
    assert '--attributes colour: not attributes of' in err, err
