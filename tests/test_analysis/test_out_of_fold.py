"""Out-of-fold scores: folds disjoint, covering, stratified by category;
each fold's config holds its fold out through the dataset's indices; a
finished fold is skipped on a rerun, a scored-but-unmerged one is only
merged, and a killed scoring resumes without retraining."""
import glob
import json
import os
import os.path as osp
from collections import Counter

import pytest

import mmfashion_attr.analysis.out_of_fold as oof
from tests.helpers.tiny_config import write_tiny_config


def test_folds_are_disjoint_covering_and_stratified():
    strata = ['jeans'] * 31 + ['shirt'] * 10 + ['dress'] * 5 + [''] * 4
    folds = oof.stratified_folds(strata, 3, seed=1)
    flat = [i for f in folds for i in f]
    assert sorted(flat) == list(range(len(strata)))  # disjoint, covering
    for stratum, total in Counter(strata).items():
        per_fold = [sum(strata[i] == stratum for i in f) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1, (stratum, per_fold)
        assert sum(per_fold) == total
    assert folds == oof.stratified_folds(strata, 3, seed=1)
    assert folds != oof.stratified_folds(strata, 3, seed=2)
    with pytest.raises(ValueError, match='at least 2'):
        oof.stratified_folds(strata, 1)


@pytest.fixture
def tiny(synth_root, tmp_path):
    from mmfashion_attr.utils.experiment_runs import load_config
    path = write_tiny_config(tmp_path / 'tiny.py', synth_root, size=32,
                             epochs=1)
    return load_config(path, ['train_dataloader.batch_size=12']), tmp_path


def test_split_follows_categories_and_is_checked_on_rerun(tiny):
    cfg, tmp = tiny
    dataset = oof.build_train_dataset(cfg)
    split = oof.load_or_make_split(str(tmp / 'w'), dataset, 2, 0)
    cats = oof.row_categories(dataset)
    assert sorted(set(cats)) == sorted(set(cats) - {''})  # all labelled
    for fold in split['indices']:
        counts = Counter(cats[i] for i in fold)
        assert all(abs(2 * counts[c] - n) <= 1
                   for c, n in Counter(cats).items())
    fcfg = oof.fold_config(cfg, split['indices'][0], len(dataset),
                           str(tmp / 'f0'), 0)
    held = set(split['indices'][0])
    assert fcfg.train_dataloader.dataset.indices == [
        i for i in range(len(dataset)) if i not in held]
    assert 'indices' not in cfg.train_dataloader.dataset  # a copy
    with pytest.raises(ValueError, match='another split'):
        oof.load_or_make_split(str(tmp / 'w'), dataset, 2, seed=5)
    with pytest.raises(ValueError, match='another split or config'):
        oof.load_or_make_split(str(tmp / 'w'), dataset, 2, 0, 'lr=1')
    cfg.train_dataloader.dataset.indices = [0, 1]
    with pytest.raises(ValueError, match='already has `indices`'):
        oof.build_train_dataset(cfg)


def test_cross_val_scores_end_to_end_and_resume(tiny, monkeypatch):
    """Real training (two folds, one epoch of 12 images at 32 px), then
    reruns that must not train again."""
    from mmfashion_attr.apis.catalog_inference import read_lines
    cfg, tmp = tiny
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    work = str(tmp / 'cv')
    report = oof.cross_val_scores(cfg, work, 2, num_workers=0)
    lines = read_lines(osp.join(work, 'oof_scores.jsonl'))
    assert report['lines'] == len(lines) == 24
    with open(osp.join(work, 'folds.json')) as f:
        split = json.load(f)
    names = [osp.relpath(r['image'], cfg.train_dataloader.dataset.data_root
                         + '/images') for r in lines]
    assert sorted(names) == sorted(n for f in split['folds'] for n in f)
    assert set(lines[0]) >= {'image', 'key', 'attributes', 'scores'}
    # each fold trained without its images (indices) and scored them
    for fold, images in enumerate(split['folds']):
        with open(osp.join(work, f'fold_{fold}', 'config.py')) as f:
            text = f.read()
        assert 'indices' in text
        done = json.load(open(osp.join(work, f'fold_{fold}', 'done.json')))
        assert done['predicted'] == len(images)

    def fail(*args, **kwargs):
        raise AssertionError('a finished step ran again')

    monkeypatch.setattr(oof, 'train_fold', fail)
    monkeypatch.setattr(oof, 'score_images', fail)
    again = oof.cross_val_scores(cfg, work, 2, num_workers=0)
    assert [f['skipped'] for f in again['folds']] == [True, True]
    assert read_lines(osp.join(work, 'oof_scores.jsonl')) == lines
    # a killed scoring (done.json not written, part of the lines lost):
    # scored again from the existing checkpoint, not retrained
    monkeypatch.undo()
    monkeypatch.setattr(oof, 'train_fold', fail)
    fold1 = osp.join(work, 'fold_1')
    os.remove(osp.join(fold1, 'done.json'))
    part = glob.glob(osp.join(fold1, 'scores', 'part-*.jsonl'))[0]
    kept = open(part).readlines()[:3]
    open(part, 'w').writelines(kept)
    third = oof.cross_val_scores(cfg, work, 2, num_workers=0)
    assert [f['skipped'] for f in third['folds']] == [True, False]
    assert third['folds'][1]['predicted'] == len(split['folds'][1]) - 3
    assert third['folds'][1]['skipped_done'] == 3
    assert len(read_lines(osp.join(work, 'oof_scores.jsonl'))) == 24
