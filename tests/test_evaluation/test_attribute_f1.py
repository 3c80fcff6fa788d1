import numpy as np
import pytest
import torch
from sklearn.metrics import (accuracy_score, f1_score, precision_score,
                             recall_score)

from mmfashion_attr.evaluation import AttributeF1

TASKS = [dict(name='category', classes=['a', 'b', 'c'], multi_label=False),
         dict(name='neck', classes=list('wxyz'), multi_label=True),
         dict(name='closure', classes=['p', 'q'], multi_label=True)]


def random_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, 9)).astype(np.float32)
    gt = np.zeros((n, 9), bool)
    gt[np.arange(n), rng.integers(0, 3, n)] = True
    gt[:, 3:] = rng.random((n, 6)) < 0.35
    mask = rng.random((n, 3)) < np.array([0.9, 0.6, 0.3])
    return scores, gt, mask


def evaluate(metric, scores, gt, mask):
    metric.dataset_meta = dict(tasks=TASKS)
    metric.process(None, [dict(pred_score=torch.from_numpy(s), gt_attr=g,
                               gt_attr_mask=m)
                          for s, g, m in zip(scores, gt, mask)])
    return metric.evaluate(len(scores))


@pytest.mark.parametrize('threshold', [0.3, 0.5, 0.7])
def test_matches_sklearn_micro(threshold):
    scores, gt, mask = random_data()
    res = evaluate(AttributeF1(thresholds=threshold), scores, gt, mask)
    for i, sl in ((1, slice(3, 7)), (2, slice(7, 9))):
        keep = mask[:, i]
        y, p = gt[keep, sl], scores[keep, sl] >= threshold
        name = TASKS[i]['name']
        assert res[f'attr/{name}/f1_micro'] == pytest.approx(
            f1_score(y, p, average='micro'))
        assert res[f'attr/{name}/precision_micro'] == pytest.approx(
            precision_score(y, p, average='micro'))
        assert res[f'attr/{name}/recall_micro'] == pytest.approx(
            recall_score(y, p, average='micro'))
        assert res[f'attr/{name}/support'] == keep.sum()
        if TASKS[i]['multi_label']:  # exact match of the value set
            assert res[f'attr/{name}/accuracy'] == pytest.approx(
                accuracy_score(y, p))
    keep = mask[:, 0]
    acc = (scores[keep, :3].argmax(1) == gt[keep, :3].argmax(1)).mean()
    assert res['attr/category/accuracy'] == pytest.approx(acc)
    assert res['attr/category/f1_micro'] == pytest.approx(acc)
    assert res['attr/mean_f1_micro'] == pytest.approx(np.mean(
        [res[f'attr/{t["name"]}/f1_micro'] for t in TASKS]))


def test_per_task_thresholds_macro_map_per_value():
    scores, gt, mask = random_data(seed=1)
    res = evaluate(AttributeF1(thresholds=dict(neck=0.2),
                               items=('macro', 'map', 'per_value')),
                   scores, gt, mask)
    keep = mask[:, 1]
    y, p = gt[keep, 3:7], scores[keep, 3:7] >= 0.2
    assert res['attr/neck/f1_micro'] == pytest.approx(
        f1_score(y, p, average='micro'))
    assert res['attr/neck/f1_macro'] == pytest.approx(
        f1_score(y, p, average='macro'))
    assert res['attr/neck/f1/x'] == pytest.approx(f1_score(y[:, 1], p[:, 1]))
    assert 0 < res['attr/neck/mAP'] <= 1


def test_unlabelled_samples_do_not_count():
    scores, gt, mask = random_data(seed=2)
    base = evaluate(AttributeF1(), scores, gt, mask)
    gt2 = gt.copy()
    gt2[~mask[:, 1], 3:7] = ~gt2[~mask[:, 1], 3:7]  # garbage where missing
    assert evaluate(AttributeF1(), scores, gt2, mask)['attr/neck/f1_micro'] \
        == base['attr/neck/f1_micro']


def test_no_labelled_task_is_an_error_not_nan():
    scores, gt, mask = random_data(n=5)
    with pytest.raises(ValueError, match='none of the 5 evaluated samples'):
        evaluate(AttributeF1(), scores, gt, np.zeros_like(mask))


def test_evaluator_thresholds_one_source():
    from mmfashion_attr.evaluation.thresholds import evaluator_thresholds
    assert evaluator_thresholds(dict(type='AttributeF1')) == 0.5
    assert evaluator_thresholds([dict(type='Accuracy'), dict(
        type='AttributeF1', thresholds=dict(neck=0.3))]) == dict(neck=0.3)
    assert evaluator_thresholds(None, default=None) is None
    metric = AttributeF1(thresholds=0.4)
    assert evaluator_thresholds(type('E', (), dict(metrics=[metric]))) == 0.4


def test_thresholds_from_command_line_strings(tmp_path):
    import json

    from mmfashion_attr.evaluation.thresholds import load_thresholds
    assert load_thresholds('0.3') == 0.3
    path = tmp_path / 'thresholds.json'
    path.write_text(json.dumps(dict(thresholds=dict(neck=0.2))))
    assert load_thresholds(str(path)) == dict(neck=0.2)
    with pytest.raises(FileNotFoundError):
        load_thresholds(str(tmp_path / 'nope.json'))


def test_calibrated_file_default_is_the_fallback(tmp_path):
    """calibrate_thresholds.py --default 0.3 writes tuned thresholds for some
    tasks: the others take 0.3, not 0.5."""
    import json

    from mmfashion_attr.evaluation.thresholds import (load_thresholds,
                                                      threshold_for)
    path = tmp_path / 'thresholds.json'
    path.write_text(json.dumps(dict(thresholds=dict(neck=0.2), default=0.3)))
    loaded = load_thresholds(str(path))
    assert threshold_for(loaded, 'neck') == 0.2
    assert threshold_for(loaded, 'color') == 0.3
    assert threshold_for(dict(neck=0.2), 'color') == 0.5
