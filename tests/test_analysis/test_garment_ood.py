"""Garment scores (analysis/garment_ood.py): each score, AUROC and the
recall threshold on hand-made logits and features with known values, the
decision bands, saving, and the scores of a tiny model."""
import numpy as np
import pytest
import torch

from mmfashion_attr.analysis import garment_ood as g
from mmfashion_attr.errors import UserInputError, UserValueError


def test_logit_scores_known_values():
    logits = np.array([[0.0, 0.0], [np.log(3), 0.0], [1000.0, 0.0]])
    np.testing.assert_allclose(g.max_softmax(logits), [0.5, 0.75, 1.0])
    np.testing.assert_allclose(g.energy(logits)[:2],
                               [np.log(2), np.log(4)])
    assert g.energy(logits)[2] == pytest.approx(1000.0)  # no overflow
    np.testing.assert_allclose(g.energy([[0.0, 0.0]], temperature=2),
                               [2 * np.log(2)])


def test_knn_distance_known_values():
    bank = np.eye(3)
    q = np.array([[1.0, 0, 0], [0.6, 0.8, 0]])
    np.testing.assert_allclose(g.knn_distance(q, bank, 1),
                               [0, np.sqrt(0.4)], atol=1e-7)
    np.testing.assert_allclose(g.knn_distance(q, bank, 2),
                               [np.sqrt(2), np.sqrt(0.8)])
    with pytest.raises(UserValueError, match='k = 4'):
        g.knn_distance(q, bank, 4)


def test_mahalanobis_known_values():
    # two classes, each a cross of radius 1: pooled variance 0.5 per axis
    cross = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], float)
    feats = np.concatenate([cross, cross + [10, 0], [[50.0, 50.0]]])
    labels = np.array([0] * 4 + [1] * 4 + [-1])  # the last: unlabelled
    means, precision = g.class_gaussians(feats, labels, 2, shrinkage=0.5)
    np.testing.assert_allclose(means, [[0, 0], [10, 0]])
    np.testing.assert_allclose(precision, 2 * np.eye(2))
    np.testing.assert_allclose(
        g.mahalanobis_distance([[0, 0], [1, 1], [9, 0]], means, precision),
        [0, 4, 2])


def test_auroc_and_threshold_known_values():
    assert g.auroc([3, 4], [1, 2]) == 1.0
    assert g.auroc([1, 2], [3, 4]) == 0.0
    assert g.auroc([1], [1]) == 0.5
    assert g.auroc([2, 3], [1, 2]) == 0.875  # (1.5 + 2) / 4, a tie halved
    scores = np.arange(1, 101)
    assert g.threshold_at_recall(scores, 0.95) == 6  # keeps 95 of 100
    assert g.accepted(scores, 6) == 0.95
    assert g.threshold_at_recall(scores, 1.0) == 1
    assert g.threshold_at_recall(scores[::-1], 0.9) == 11
    with pytest.raises(UserValueError):
        g.threshold_at_recall(scores, 0)
    with pytest.raises(UserValueError):
        g.auroc([], [1])


def detector(k=1):
    """Categories at (0, 0) and (10, 0), unit variance; bank: both
    means."""
    feats = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], float) * \
        np.sqrt(2)
    feats = np.concatenate([feats, feats + [10, 0]])
    return g.GarmentDetector.fit(feats, [0] * 4 + [1] * 4, 2, k=k,
                                 shrinkage=0.0)


def test_detector_scores_combined_and_decisions():
    det = detector()
    feats = np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 5.0], [0.0, 3.0]])
    logits = np.array([[4.0, 0], [0, 4.0], [0, 0], [1.0, 0]])
    s = det.scores(feats, logits, ['msp', 'mahalanobis'])
    np.testing.assert_allclose(s['mahalanobis'], [0, 0, -50, -9])
    np.testing.assert_allclose(s['msp'][2], 0.5)
    with pytest.raises(UserValueError, match='calibrate'):
        det.scores(feats, logits, ['combined'])
    with pytest.raises(UserValueError, match='unknown score'):
        det.scores(feats, logits, ['softmax'])
    # calibrated on 100 garments near the means: thresholds at 95 / 99 %
    rng = np.random.default_rng(0)
    val_feats = rng.normal(0, 0.5, (100, 2)) + [[0, 0], [10, 0]] * 50
    val_logits = np.tile([[4.0, 0], [0, 4.0]], (50, 1)) + \
        rng.normal(0, 0.3, (100, 2))
    det.calibrate(val_feats, val_logits)
    maha = -g.mahalanobis_distance(val_feats, det.means, det.precision)
    assert det.thresholds['mahalanobis']['threshold'] == np.sort(maha)[5]
    assert det.thresholds['mahalanobis']['review_threshold'] == \
        np.sort(maha)[1]
    mean, std = det.standardise['mahalanobis']
    assert (mean, std) == pytest.approx((maha.mean(), maha.std()))
    combined = det.scores(feats, logits, ['combined'])['combined']
    z = {n: (v - det.standardise[n][0]) / det.standardise[n][1]
         for n, v in det.scores(feats, logits, g.BASE_SCORES).items()}
    np.testing.assert_allclose(combined, np.min(list(z.values()), axis=0))
    t = det.thresholds['mahalanobis']
    between = (t['threshold'] + t['review_threshold']) / 2
    # garment_score = -squared distance: put one image in each band
    probe = np.array([[0.0, 0.0], [0.0, np.sqrt(-between)], [5.0, 5.0]])
    got = det.decide(probe, logits[:3], 'mahalanobis')
    assert [d['garment'] for d in got] == [True, 'review', False]
    assert got[2]['garment_score'] == pytest.approx(-50)
    with pytest.raises(UserValueError, match='review recall'):
        det.calibrate(val_feats, val_logits, recall=0.99, review_recall=0.9)


def test_save_load_round_trip(tmp_path):
    det = detector(k=2)
    rng = np.random.default_rng(1)
    det.calibrate(rng.normal(0, 1, (20, 2)), rng.normal(0, 1, (20, 2)))
    det.save(tmp_path / 'det.npz')
    back = g.GarmentDetector.load(str(tmp_path / 'det.npz'))
    assert back.k == 2 and back.thresholds == det.thresholds
    assert back.standardise == det.standardise  # float64 both ways
    feats, logits = rng.normal(0, 3, (5, 2)), rng.normal(0, 1, (5, 2))
    assert back.decide(feats, logits) == det.decide(feats, logits)
    np.savez(tmp_path / 'other.npz', x=np.zeros(2))
    with pytest.raises(UserInputError, match='not a garment detector'):
        g.GarmentDetector.load(str(tmp_path / 'other.npz'))
    with pytest.raises(FileNotFoundError):
        g.GarmentDetector.load(str(tmp_path / 'missing.npz'))


def test_measure_counts_shares_per_kind():
    det = detector()
    feats = np.array([[0.0, 0], [10, 0.2], [0, 0.5], [10, 0.7]])
    logits = np.array([[4.0, 0], [0, 4], [4, 0], [0, 4]])
    det.calibrate(feats, logits, recall=0.75, review_recall=1.0)
    far = np.array([[100.0, 100], [-50, 0], [0, 0], [5, 40]])
    m = g.measure(det, dict(features=feats, category_logits=logits),
                  dict(features=far, category_logits=np.zeros((4, 2))),
                  ['noise', 'noise', 'photo', 'noise'],
                  ['mahalanobis'])
    assert m['garments'] == 4 and m['kinds'] == dict(noise=3, photo=1)
    s = m['scores']['mahalanobis']
    # the photo sits on a category mean: a garment to every score
    assert s['auroc'] == dict(noise=1.0, photo=0.125, all=0.78125)
    assert s['garments'] == dict(accepted=0.75, review=0.25, rejected=0.0)
    assert s['non_garments']['noise'] == dict(accepted=0.0, review=0.0,
                                             rejected=1.0)
    assert s['non_garments']['photo']['accepted'] == 1.0
    assert s['non_garments']['all']['accepted'] == 0.25


def test_tiny_model_outputs_and_detector(tmp_path, synth_root):
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    from tests.helpers.tiny_config import write_tiny_config
    cfg = Config.fromfile(write_tiny_config(tmp_path / 'tiny.py',
                                            synth_root))
    torch.manual_seed(0)
    model = get_model(cfg).eval()
    name, sl = g.category_task(model.head)
    assert name == 'category' and sl.stop - sl.start == 6
    out = {}
    det = g.fit_detector(model, cfg, outputs=out)
    assert out['train']['features'].shape == (24, 240)
    assert out['val']['category_logits'].shape == (8, 6)
    assert (out['train']['labels'] >= 0).all()
    # the category logits are the model's own (tensor mode)
    pipeline = g.test_pipeline(cfg)
    from mmengine.dataset import pseudo_collate
    paths, _ = g.dataset_images(cfg.val_dataloader.dataset, model.head)
    batch = model.data_preprocessor(pseudo_collate(
        [pipeline(dict(img_path=p)) for p in paths]), False)
    with torch.no_grad():
        logits = model(batch['inputs'], mode='tensor')[:, sl].numpy()
    np.testing.assert_allclose(out['val']['category_logits'], logits,
                               rtol=1e-5, atol=1e-5)
    # every score keeps 95 % of these 8 val garments: 8 - floor(0.4) = 8
    for name, s in det.scores(out['val']['features'],
                              out['val']['category_logits']).items():
        assert g.accepted(s, det.thresholds[name]['threshold']) == 1.0, name
    # k = 1 on the training images themselves: distance 0
    train = det.scores(out['train']['features'],
                       out['train']['category_logits'], ['knn'])['knn']
    np.testing.assert_allclose(train, 0, atol=1e-3)
