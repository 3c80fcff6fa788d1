import json

import numpy as np
import pytest

from mmfashion_attr.evaluation import AttributeF1
from mmfashion_attr.analysis.constant_baseline import most_frequent_scores
from mmfashion_attr.analysis.threshold_calibration import calibrate
from tests.test_evaluation.test_attribute_f1 import TASKS, evaluate, \
    random_data


@pytest.mark.parametrize('seed', range(5))
def test_calibration_never_lowers_f1_and_is_reproduced(seed, tmp_path):
    scores, gt, mask = random_data(n=150, seed=seed)
    # make scores informative but miscalibrated (too low)
    scores = np.clip(0.6 * scores + 0.3 * gt - 0.2, 0, 1).astype(np.float32)
    result = calibrate(scores, gt, mask, TASKS)
    assert set(result) == {'neck', 'closure'}  # multi-label tasks only
    for r in result.values():
        assert r['f1_calibrated'] >= r['f1_default']
    assert any(r['f1_calibrated'] > r['f1_default'] for r in result.values())
    path = tmp_path / 'thr.json'
    path.write_text(json.dumps(dict(thresholds={
        k: v['threshold'] for k, v in result.items()})))
    res = evaluate(AttributeF1(thresholds=str(path)), scores, gt, mask)
    for name, r in result.items():
        assert res[f'attr/{name}/f1_micro'] == pytest.approx(
            r['f1_calibrated'])


def test_most_frequent_scores():
    gts = np.array([[1, 0, 0, 1, 0, 0, 0, 0, 1],
                    [0, 1, 0, 1, 1, 0, 0, 0, 1],
                    [0, 1, 0, 1, 1, 0, 0, 1, 0],
                    [0, 1, 0, 0, 1, 0, 0, 1, 0]], bool)
    masks = np.array([[1, 1, 1], [1, 1, 0], [1, 1, 0], [0, 0, 1]], bool)
    scores = most_frequent_scores(gts, masks, 2, TASKS)
    # category: b (2 of 3 labelled rows); neck: w 3x, x 2x (unlabelled row 3
    # ignored, else x would tie); closure counts rows 0 and 3 only: p = q, so
    # the first, p (row 2's p is unlabelled)
    np.testing.assert_array_equal(scores[0], [0, 1, 0, 1, 0, 0, 0, 1, 0])
    assert (scores[1] == scores[0]).all()
