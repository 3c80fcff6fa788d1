"""The parity report: F1 by the evaluator's metric, top-1 agreement, score
differences; a perturbed backend breaks the bounds, an equal one keeps them."""
import numpy as np
import pytest

from mmfashion_attr.analysis.backend_parity import (F1_TOLERANCE,
                                                    attribute_f1,
                                                    format_report,
                                                    parity_report)

TASKS = [dict(name='category', multi_label=False, classes=['a', 'b', 'c']),
         dict(name='color', multi_label=True, classes=['red', 'blue'])]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 40
    scores = np.concatenate([rng.dirichlet(np.ones(3), n),
                             rng.random((n, 2))], 1).astype(np.float32)
    gts = np.zeros((n, 5), bool)
    gts[np.arange(n), rng.integers(0, 3, n)] = True
    gts[:, 3:] = rng.random((n, 2)) < 0.5
    masks = np.ones((n, 2), bool)
    masks[:5, 1] = False  # colour unlabelled on 5 images
    return scores, gts, masks


def test_f1_is_the_evaluators(data):
    from mmfashion_attr.evaluation import AttributeF1
    scores, gts, masks = data
    metric = AttributeF1(thresholds=0.4, log_table=False)
    metric.dataset_meta = dict(tasks=TASKS)
    metric.process(None, [dict(pred_score=s, gt_attr=g, gt_attr_mask=m)
                          for s, g, m in zip(scores, gts, masks)])
    want = metric.compute_metrics(metric.results)
    assert attribute_f1(TASKS, scores, gts, masks, 0.4) == {
        'category': want['category/f1_micro'],
        'color': want['color/f1_micro']}


def test_equal_scores_pass(data):
    scores, gts, masks = data
    report = parity_report(TASKS, scores, scores + 1e-7, gts, masks, 0.5,
                           F1_TOLERANCE['fp32'])
    assert report['passed'] and report['broken'] == []
    assert report['attributes']['category']['top1_agreement'] == 1.0
    assert 'top1_agreement' not in report['attributes']['color']
    assert report['attributes']['color']['support'] == 35
    assert report['max_abs_f1_diff'] == 0.0
    assert report['max_abs_score_diff'] == pytest.approx(1e-7, rel=0.5)
    assert format_report(report).endswith('PASSED')


def test_perturbed_scores_break_the_bounds(data):
    scores, gts, masks = data
    perturbed = scores.copy()
    perturbed[:8, :3] = perturbed[:8, [1, 2, 0]]  # 8 top-1 choices moved
    report = parity_report(TASKS, scores, perturbed, gts, masks, 0.5,
                           F1_TOLERANCE['int8'], min_agreement=0.9)
    row = report['attributes']['category']
    assert row['top1_agreement'] == pytest.approx(1 - 8 / 40)
    assert row['abs_f1_diff'] > F1_TOLERANCE['int8']
    assert not report['passed']
    assert report['broken'] == [
        f'category: |F1 difference| {row["abs_f1_diff"]:.4f} > 0.01',
        'category: top-1 agreement 0.8000 < 0.9']
    assert format_report(report).splitlines()[-1] == 'FAILED'
    # a looser F1 bound and no agreement bound: passes
    assert parity_report(TASKS, scores, perturbed, gts, masks, 0.5,
                         1.0)['passed']
    # scores that move without changing a decision: only the score bound
    shifted = scores + 0.001
    report = parity_report(TASKS, scores, shifted, gts, masks, 0.3,
                           0.005, score_tolerance=1e-4)
    assert report['broken'] == ['max |score difference| 1.00e-03 > 0.0001']
