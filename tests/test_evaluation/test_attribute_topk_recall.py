import numpy as np
import pytest

from mmfashion_attr.evaluation.attribute_topk_recall import \
    AttributeTopKRecall

TYPES = [1, 1, 3, 4]  # texture, texture, shape, part


def evaluate(scores, states, types=TYPES, **kwargs):
    metric = AttributeTopKRecall(**kwargs)
    metric.dataset_meta = dict(attribute_types=list(types))
    metric.process(None, [dict(pred_attr_score=s, attr_states=a)
                          for s, a in zip(scores, states)])
    return metric.evaluate(len(scores))


def test_hand_computed():
    scores = np.array([[0.9, 0.1, 0.8, 0.3], [0.2, 0.7, 0.6, 0.1]])
    # unknown (0) and negative (-1) are not positives
    states = np.array([[1, 0, -1, 1], [0, 1, 1, -1]])
    res = evaluate(scores, states, topk=(1, 2), mmfashion=True)
    # top-2: image 1 ranks 0, 2 (1 of its 2 positives), image 2 ranks 1, 2
    assert res['attr/recall@2'] == pytest.approx(75.0)
    assert res['attr/recall@1'] == pytest.approx(50.0)
    # per type, the top k among that type's attributes only
    assert res['attr/texture_recall@1'] == pytest.approx(100.0)
    assert res['attr/shape_recall@1'] == pytest.approx(100.0)
    assert res['attr/part_recall@1'] == pytest.approx(100.0)
    assert 'attr/fabric_recall@1' not in res  # no fabric attribute
    # mmfashion: per-attribute recall at top 1 (attrs 0, 1, 2, 3: 1, 1, 0,
    # 0), the mean of the best 50 of them
    assert res['attr/mmfashion_top50@1'] == pytest.approx(50.0)


def direct(scores, states, types, k, t=None):
    """The formula, image by image."""
    hit = total = 0
    for s, a in zip(scores, states):
        cols = [j for j in range(len(s)) if t is None or types[j] == t]
        ranked = sorted(cols, key=lambda j: -s[j])[:k]
        positives = {j for j in cols if a[j] == 1}
        hit += len(positives & set(ranked))
        total += len(positives)
    return 100.0 * hit / total


def test_random_against_the_formula():
    rng = np.random.default_rng(0)
    types = rng.integers(1, 6, 40)
    scores = rng.random((30, 40))
    states = rng.choice([-1, 0, 1], size=(30, 40), p=[0.7, 0.2, 0.1])
    res = evaluate(scores, states, types, topk=(3, 5))
    for k in (3, 5):
        assert res[f'attr/recall@{k}'] == pytest.approx(
            direct(scores, states, types, k))
        for t, name in ((1, 'texture'), (2, 'fabric'), (3, 'shape'),
                        (4, 'part'), (5, 'style')):
            assert res[f'attr/{name}_recall@{k}'] == pytest.approx(
                direct(scores, states, types, k, t))


def test_given_attributes_are_not_ranked():
    scores = np.array([[0.9, 0.8, 0.1, 0.7]])
    states = np.array([[1, -1, 0, 1]])
    metric = AttributeTopKRecall(topk=(1, ))
    metric.dataset_meta = dict(attribute_types=TYPES)
    # attribute 0 was given: it is neither a positive nor in the ranking,
    # so the top 1 is attribute 1 (negative): 0 of 1 positive
    metric.process(None, [dict(pred_attr_score=scores[0],
                               attr_states=states[0],
                               known_states=np.array([1, 0, 0, 0]))])
    assert metric.evaluate(1)['attr/recall@1'] == pytest.approx(0.0)


def test_skipped_types_are_measured_as_if_given():
    scores = np.array([[0.9, 0.8, 0.1, 0.7]])
    states = np.array([[1, -1, 0, 1]])
    # texture (type 1) skipped: attributes 0 and 1 leave ranking and count,
    # the top 1 is then attribute 3 (positive): 1 of 1
    skipped = evaluate(scores, states, topk=(1, ), skip_types=[1])
    assert skipped['attr/recall@1'] == pytest.approx(100.0)
    assert 'attr/texture_recall@1' not in skipped
    assert evaluate(scores, states, topk=(1, ))['attr/recall@1'] == \
        pytest.approx(50.0)
    # an unlabelled (0) texture attribute is not given, so it stays ranked
    # as it does when texture is given: top 1 is attribute 1, 0 of 1
    states = np.array([[1, 0, 0, 1]])
    given = AttributeTopKRecall(topk=(1, ))
    given.dataset_meta = dict(attribute_types=TYPES)
    given.process(None, [dict(pred_attr_score=scores[0],
                              attr_states=states[0],
                              known_states=np.array([1, 0, 0, 0]))])
    assert evaluate(scores, states, topk=(1, ), skip_types=[1]) == \
        given.evaluate(1) == {'attr/recall@1': 0.0, 'attr/part_recall@1':
                              100.0}
