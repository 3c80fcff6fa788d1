"""The fold model's quality against the majority baseline, and the
temperature that calibrates its scores."""
import numpy as np
import pytest

from mmfashion_attr.analysis.fold_model_quality import (apply_temperature,
                                                        fit_temperature,
                                                        majority_answers,
                                                        quality, warning)


def sets(*values):
    return [frozenset(v.split('|')) for v in values]


def test_the_baseline_is_the_majority_within_each_group():
    labels = sets('a', 'a', 'b', 'c', 'c', 'b')
    groups = ['x', 'x', 'x', 'y', 'y', 'y']
    assert majority_answers(labels, groups) == sets('a', 'a', 'a',
                                                    'c', 'c', 'c')


def test_skill_is_the_share_of_the_baselines_errors_removed():
    labels = sets('a', 'a', 'a', 'b', 'b', 'a', 'a', 'a')
    groups = [''] * 8  # baseline 'a': 6 of 8 right
    perfect = quality(labels, labels, groups, 0.5)
    assert perfect['majority_accuracy'] == 0.75 and perfect['skill'] == 1
    assert perfect['trusted'] and perfect['macro_f1'] == 1
    # the baseline itself: no skill; macro F1 of 'a' and 'b' (0 for b)
    constant = quality(labels, sets(*'aaaaaaaa'), groups, 0.5)
    assert constant['skill'] == 0 and not constant['trusted']
    assert constant['macro_f1'] == pytest.approx((2 * 6 / 14) / 2,
                                                 abs=1e-4)
    assert constant['macro_f1'] == constant['majority_macro_f1']
    one_off = quality(labels, sets('a', 'a', 'a', 'b', 'a', 'a', 'a', 'a'),
                      groups, 0.5)
    assert one_off['accuracy'] == 0.875 and one_off['skill'] == 0.5
    assert one_off['trusted']
    assert 'skill 0.00 < 0.5' in warning('pattern', constant, 0.5)
    assert warning('pattern', one_off, 0.5) is None


def test_one_value_everywhere_cannot_be_judged():
    labels = sets('a', 'a', 'a')
    q = quality(labels, labels, ['', '', ''], 0.5)
    assert q['skill'] is None and not q['trusted']
    assert 'same value' in warning('x', q, 0.5)


def test_multi_label_accuracy_is_the_exact_set():
    labels = sets('a|b', 'a', 'a|b', 'b')
    q = quality(labels, sets('a|b', 'a|b', 'a|b', 'b'), [''] * 4, 0.5)
    assert q['accuracy'] == 0.75 and q['majority_accuracy'] == 0.5


def test_an_overconfident_model_gets_a_temperature_above_one():
    rng = np.random.default_rng(0)
    n = 400
    labels = rng.integers(0, 3, n)
    right = rng.random(n) < 0.8  # 80 % right, always 0.99 sure
    guess = np.where(right, labels, (labels + 1) % 3)
    probs = np.full((n, 3), 0.005)
    probs[np.arange(n), guess] = 0.99
    allowed = np.ones_like(probs, bool)
    t = fit_temperature(probs, labels, False, allowed)
    assert t > 2
    calibrated = apply_temperature(probs, t, False, allowed)
    # about as sure as it is right
    assert calibrated.max(1).mean() == pytest.approx(0.8, abs=0.05)
    assert np.allclose(calibrated.sum(1), 1)


def test_calibrated_scores_keep_their_temperature_of_one():
    rng = np.random.default_rng(0)
    n = 2000
    p = rng.uniform(0.05, 0.95, n)
    labels = (rng.random(n) < p).astype(int)[:, None]
    probs = p[:, None]
    allowed = np.ones_like(probs, bool)
    assert fit_temperature(probs, labels, True, allowed) == \
        pytest.approx(1, abs=0.15)
    # disallowed entries stay 0 and do not count
    two = np.hstack([probs, np.zeros_like(probs)])
    mask = np.hstack([allowed, ~allowed])
    assert fit_temperature(two, np.hstack([labels, 0 * labels]), True,
                           mask) == fit_temperature(probs, labels, True,
                                                    allowed)
    assert (apply_temperature(two, 3.0, True, mask)[:, 1] == 0).all()
