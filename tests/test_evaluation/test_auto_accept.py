"""Auto-accept thresholds: the Wilson bound against published values, the
threshold choice on hand-made scores, the thresholds file read by the
existing readers, and the per-value decision of ``format_scores``."""
import json
from statistics import NormalDist

import numpy as np
import pytest

from mmfashion_attr.errors import UserValueError
from mmfashion_attr.evaluation.auto_accept import (auto_accept_outcome,
                                                   calibrate_auto_accept,
                                                   check_auto_accept,
                                                   choose_threshold,
                                                   wilson_bounds,
                                                   wilson_lower_bound)

# Newcombe (1998), "Two-sided confidence intervals for the single
# proportion", Statistics in Medicine 17, Table II, method 3 (Wilson score,
# no continuity correction), 95 % two-sided = one-sided 97.5 % each end.
NEWCOMBE = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)),
            ((0, 20), (0.0, 0.1611)), ((1, 29), (0.0061, 0.1718))]


@pytest.mark.parametrize('case, interval', NEWCOMBE)
def test_wilson_bounds_match_newcombe(case, interval):
    lower, upper = wilson_bounds(*case, confidence=0.975)
    assert (round(lower, 4), round(upper, 4)) == interval


def test_wilson_lower_bound_one_sided_closed_form():
    # all n correct: the bound is n / (n + z^2), z = Phi^-1(confidence)
    z = NormalDist().inv_cdf(0.95)
    for n in (1, 10, 55, 1000):
        assert wilson_lower_bound(n, n, 0.95) == pytest.approx(
            n / (n + z * z))
    assert wilson_lower_bound(51, 51, 0.95) < 0.95 <= \
        wilson_lower_bound(52, 52, 0.95)
    lower, upper = wilson_bounds(np.array([3, 0]), np.array([4, 0]))
    assert lower[1] == 0 and upper[1] == 1  # nothing seen: no information
    with pytest.raises(UserValueError, match='confidence 1.5'):
        wilson_bounds(1, 2, 1.5)


def test_choose_threshold_lowest_passing():
    # 60 correct at the top, then one wrong among more correct ones
    scores = np.r_[np.linspace(0.99, 0.80, 60), 0.75, 0.7, 0.7, 0.6, 0.5]
    correct = np.r_[np.ones(60, bool), False, True, True, False, False]
    # 60/60: lower 0.9566; 60/61: 0.9241; 62/63 (the tie at 0.7 taken
    # whole): 0.9268; 62/64: 0.9061; 62/65: 0.8894
    r = choose_threshold(scores, correct, 0.95)
    assert r == dict(threshold=pytest.approx(0.80), precision=1.0,
                     lower_bound=pytest.approx(60 / (60 + NormalDist(
                     ).inv_cdf(0.95) ** 2)), n=60)
    r = choose_threshold(scores, correct, 0.92)
    assert (r['threshold'], r['n']) == (0.7, 63)  # not 0.75 (higher)
    assert r['precision'] == pytest.approx(62 / 63)
    r = choose_threshold(scores, correct, 0.9)
    assert (r['threshold'], r['n']) == (0.6, 64)
    # the floor keeps lower scores out
    assert choose_threshold(scores, correct, 0.85, floor=0.65)['threshold'] \
        == 0.7
    # not reachable: no threshold, the figures of accepting everything
    r = choose_threshold(scores[:50], correct[:50], 0.95)
    assert r['threshold'] is None and r['n'] == 50 and r['precision'] == 1
    assert choose_threshold([], [], 0.9) == dict(
        threshold=None, precision=None, lower_bound=0.0, n=0)
    with pytest.raises(UserValueError, match='target precision 95'):
        choose_threshold(scores, correct, 95)


TASKS = [dict(name='cat', multi_label=False, classes=['a', 'b']),
         dict(name='col', multi_label=True, classes=['x', 'y'])]


def hand_made(n=200, seed=0):
    """cat: 'a' right when its score is high; col: x always right, y
    right half the time; the last 20 images have col unlabelled."""
    rng = np.random.default_rng(seed)
    top = rng.uniform(0.5, 1, n)
    pick_a = rng.random(n) < 0.5
    cat_scores = np.where(pick_a[:, None], np.c_[top, 1 - top],
                          np.c_[1 - top, top])
    # 'a' predicted: right when its score > 0.7; 'b' predicted: always right
    gt_a = np.where(pick_a, top > 0.7, False)
    col = rng.uniform(0, 1, (n, 2))
    gts = np.c_[gt_a, ~gt_a, np.ones(n, bool), rng.random(n) < 0.5]
    masks = np.ones((n, 2), bool)
    masks[-20:, 1] = False
    return np.c_[cat_scores, col], gts, masks


def test_calibrate_auto_accept_hand_made():
    scores, gts, masks = hand_made()
    section = calibrate_auto_accept(scores, gts, masks, TASKS,
                                    dict(col=0.4), 0.95)
    values, details = section['values'], section['details']
    assert 0.7 <= values['cat']['a'] < 0.75  # just above the wrong ones
    assert values['cat']['b'] == pytest.approx(
        scores[gts[:, 1] & (scores[:, 1] > 0.5), 1].min())  # every 'b'
    assert values['col']['x'] >= 0.4  # never below the prediction threshold
    assert values['col']['y'] is None  # half right: always review
    assert details['col']['labelled'] == 180
    assert details['col']['prediction_threshold'] == 0.4
    # coverage: share of labelled images with the value auto-accepted
    accepted_x = (scores[:180, 2] >= values['col']['x']).mean()
    assert details['col']['values']['x']['coverage'] == pytest.approx(
        accepted_x)
    assert details['col']['coverage'] == pytest.approx(accepted_x)
    # measured on the same data: every accepted value meets the target
    out = auto_accept_outcome(scores, gts, masks, TASKS, dict(col=0.4),
                              values)
    assert out['col']['precision'] == 1.0
    assert out['cat']['precision'] >= 0.95
    assert out['cat']['accepted'] == sum(
        d['n'] for d in details['cat']['values'].values()
        if d['threshold'] is not None)
    assert out['all']['accepted'] == out['cat']['accepted'] + \
        out['col']['accepted']


def thresholds_file(tmp_path, auto):
    path = tmp_path / 'thresholds.json'
    path.write_text(json.dumps(dict(
        thresholds=dict(col=0.4), default=0.5, details={},
        auto_accept=dict(target_precision=0.95, confidence=0.95,
                         values=auto, details={}))))
    return str(path)


def test_file_read_by_existing_readers_and_marks_values(tmp_path):
    from mmfashion_attr.apis.attribute_inferencer import format_scores
    from mmfashion_attr.evaluation import AttributeF1
    from mmfashion_attr.evaluation.thresholds import (load_thresholds,
                                                      threshold_for)
    path = thresholds_file(tmp_path, dict(cat=dict(a=0.8, b=None),
                                          col=dict(x=0.6, y=None)))
    loaded = load_thresholds(path)
    assert loaded == {'col': 0.4, '*': 0.5}  # the F1 thresholds as before
    assert threshold_for(loaded, 'col') == 0.4
    assert AttributeF1(thresholds=path).thresholds == loaded
    assert load_thresholds(loaded).auto_accept == loaded.auto_accept
    score = np.array([0.85, 0.15, 0.7, 0.45])
    out = format_scores(score, TASKS, loaded)['attributes']
    assert out == dict(
        cat=[dict(value='a', score=0.85, decision='auto')],
        col=[dict(value='x', score=0.7, decision='auto'),
             dict(value='y', score=0.45, decision='review')])
    out = format_scores(np.array([0.2, 0.8, 0.55, 0.1]), TASKS,
                        loaded)['attributes']
    assert out == dict(cat=[dict(value='b', score=0.8, decision='review')],
                       col=[dict(value='x', score=0.55, decision='review')])
    # without an auto_accept section: no decision field, output unchanged
    plain = format_scores(score, TASKS, dict(col=0.4))['attributes']
    assert 'decision' not in plain['col'][0]


def test_auto_thresholds_of_another_model_refused():
    check_auto_accept(dict(cat=dict(a=0.8)), TASKS)
    with pytest.raises(UserValueError, match="task 'neck'"):
        check_auto_accept(dict(neck=dict(a=0.8)), TASKS)
    with pytest.raises(UserValueError, match=r"cat values \['z'\]"):
        check_auto_accept(dict(cat=dict(z=0.8)), TASKS)
