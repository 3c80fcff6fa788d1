"""Linear fold heads on frozen features: held-out scores find a flipped
label on separable data, unlabelled rows are scored, unreadable ones are
error lines; end to end on the frozen-Lite0 audit config (features pooled
once, reused by a rerun); a trainable backbone is refused."""
import json
import os.path as osp

import numpy as np
import pytest

import mmfashion_attr.analysis.linear_fold_heads as lin

TASKS = [dict(name='category', multi_label=False, classes=['a', 'b']),
         dict(name='color', multi_label=True, classes=['red', 'blue'])]


def separable(n=60, seed=0):
    """Features whose first column decides the category and second the
    colours; flat gt rows as the dataset's gt_attr."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    cat = (x[:, 0] > 0).astype(int)
    red, blue = x[:, 1] > 0, x[:, 1] <= 0.3
    gt = np.zeros((n, 4))
    gt[np.arange(n), cat] = 1
    gt[:, 2], gt[:, 3] = red, blue
    return x, gt, np.ones((n, 2), int)


def test_held_out_scores_find_a_flipped_label():
    x, gt, mask = separable()
    flipped = 5
    gt[flipped, :2] = gt[flipped, 1::-1]  # the seller's category swapped
    mask[7, 1] = 0  # colour not labelled: still scored
    folds = [list(range(0, 60, 3)), list(range(1, 60, 3)),
             list(range(2, 60, 3))]
    oof, own, heads = lin.fit_heads(x, gt, mask, TASKS, folds,
                                    in_sample=True)
    assert set(heads) == {'category', 'color'}
    assert heads['category']['strength'] in lin.STRENGTHS
    assert heads['color']['labelled'] == 59
    seller = gt[:, :2].argmax(1)
    p_seller = oof[np.arange(60), seller]
    assert p_seller.argmin() == flipped  # the least likely seller label
    assert (oof[:, :2].argmax(1) == (x[:, 0] > 0)).mean() > 0.8
    assert np.allclose(oof[:, :2].sum(1), 1)
    assert not np.isnan(oof[7]).any()
    assert own.shape == oof.shape and not np.isnan(own).any()


def test_unreadable_rows_are_not_scored(tmp_path):
    x, gt, mask = separable(30)
    x[4] = np.nan
    folds = [list(range(0, 30, 2)), list(range(1, 30, 2))]
    oof, _, _ = lin.fit_heads(x, gt, mask, TASKS, folds)
    assert np.isnan(oof[4]).all() and not np.isnan(np.delete(oof, 4, 0)).any()
    out = str(tmp_path / 'scores.jsonl')
    paths = [f'im{i}.jpg' for i in range(30)]
    lin._write_scores(out, paths, oof, TASKS, {4: 'ImageDecodeError: bad'})
    lines = [json.loads(s) for s in open(out)]
    assert lines[4]['error'] == 'ImageDecodeError: bad'
    assert set(lines[0]['scores']) == {'category', 'color'}


@pytest.fixture
def lite0_audit(synth_root):
    from mmfashion_attr.utils.experiment_runs import load_config
    return load_config(
        'configs/label_audit/synthfashion_noisy_lite0_frozen.py',
        [f'train_dataloader.dataset.data_root={synth_root}',
         f'model.head.schema_file={synth_root}/schema.json'])


def test_end_to_end_on_the_frozen_config(lite0_audit, tmp_path, monkeypatch):
    from mmfashion_attr.apis.catalog_inference import read_lines
    work = str(tmp_path / 'linear')
    report = lin.linear_cross_val_scores(lite0_audit, work, 2, num_workers=0,
                                         in_sample=True)
    lines = read_lines(report['oof_scores'])
    assert report['lines'] == len(lines) == 24 and report['unreadable'] == 0
    assert set(lines[0]['scores']) >= {'category', 'color', 'pattern'}
    assert len(read_lines(report['in_sample_scores'])) == 24
    assert osp.exists(osp.join(work, 'features.npz'))
    with np.load(osp.join(work, 'features.npz')) as saved:
        assert saved['features'].shape == (24, 2 * (40 + 112 + 320))

    def fail(*args, **kwargs):
        raise AssertionError('features computed again')

    monkeypatch.setattr(lin, 'pooled_features', fail)
    again = lin.linear_cross_val_scores(lite0_audit, work, 2, num_workers=0)
    assert read_lines(again['oof_scores']) == lines


def test_a_trainable_backbone_is_refused(lite0_audit, tmp_path):
    lite0_audit.model.backbone.backbone.frozen_stages = 3
    with pytest.raises(ValueError, match='--heads config'):
        lin.linear_cross_val_scores(lite0_audit, str(tmp_path / 'w'), 2,
                                    num_workers=0)


def test_each_fold_is_scored_by_heads_that_never_saw_it(monkeypatch):
    x, gt, mask = separable(30)
    x[:, 5] = np.arange(30)  # a row id in the features
    folds = [list(range(0, 30, 3)), list(range(1, 30, 3)),
             list(range(2, 30, 3))]
    calls, real = [], lin._fit_predict

    def spy(x_train, y_train, x_test, *args):
        calls.append((set(x_train[:, 5]), set(x_test[:, 5])))
        return real(x_train, y_train, x_test, *args)

    monkeypatch.setattr(lin, '_fit_predict', spy)
    lin.fit_heads(x, gt, mask, TASKS, folds, strengths=(1.0, ))
    assert len(calls) == 2 * 3  # two tasks, three folds
    for (train, test), held in zip(calls, folds * 2):
        assert test == set(held) and not train & test
        assert train | test == set(range(30))


def test_features_are_the_normalised_images_pooled_maps(lite0_audit,
                                                        synth_root):
    """The config's data preprocessor (RGB in [-1, 1] for the ImageNet
    weights) is applied before the frozen backbone, as in training."""
    import torch
    from mmpretrain.registry import MODELS

    from mmfashion_attr.apis.attribute_inferencer import test_pipeline
    path = osp.join(synth_root, 'images', 'train', '000000.jpg')
    features, errors = lin.pooled_features(lite0_audit, [path], 1, 0,
                                           log=lambda s: None)
    assert not errors
    packed = test_pipeline(lite0_audit)(dict(img_path=path))['inputs']
    x = (packed[None].float()[:, [2, 1, 0]] - 127.5) / 127.5
    backbone = MODELS.build(dict(lite0_audit.model.backbone.backbone))
    backbone.init_weights()
    with torch.no_grad():
        maps = backbone.eval()(x)
    want = torch.cat([torch.cat([m.mean((2, 3)), m.amax((2, 3))], 1)
                      for m in maps], 1)[0].numpy()
    assert np.allclose(features[0], want, atol=1e-4)
