"""The label audit measured on known errors: SynthFashion with a fraction
of its training labels flipped (make_synthfashion.py --label-noise), the
audit (tools/audit_catalog.py's library) on out-of-fold scores
(cross_val_scores.py) beside two baselines in the same run: a random
ranking (several draws: mean, sample std) and the naive method, a model
trained on all the noisy training data scoring its own training images.

    python benchmarks/label_audit.py [--config configs/label_audit/...py]
        [--folds 3] [--heads config|linear] [--num-train 1200] [--num-val 200] [--size 64]
        [--noise 0.05] [--noise-seed 0] [--random-draws 20]
        [--work-dir work_dirs/label_audit_bench] [--cfg-options ...]
        [--results benchmarks/results/label_audit.jsonl]
    python benchmarks/label_audit.py --from-results FILE [--out FILE.md]
        [--overall-only]
    python benchmarks/label_audit.py --from-results FILE FILE ...

Per attribute and overall: precision@N (N = injected errors; with N
examined, precision and recall are the same number), cleanlab's flagged
set's precision and recall, and the fold model's out-of-fold accuracy
against the majority baseline's (fold_model_quality.py). Methods: the
audit on out-of-fold scores as tools/audit_catalog.py runs it (scores
calibrated per attribute, untrusted fold models ranked last), the same
scores ranked by plain cleanlab (no calibration, every attribute in one
ranking: the audit before 2026-12-04), the in-sample model and random.
Several results files: their overall figures side by side, one row each.

Resumable: trained folds and scores in
--work-dir are reused. The machine's load average (os.getloadavg) is
recorded at the start and end: other work on the cores slows training, not
the figures. On a loaded machine run it with OMP_NUM_THREADS=1 (a 2-core
machine at load 12: ~0.25 s per 16-image 64 px iteration with one thread,
5-10 s with the default two, which spin against the other processes).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from collections import Counter
from typing import Dict, List

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmfashion_attr.utils import run_records  # noqa: E402

CONFIG = 'configs/label_audit/synthfashion_noisy_atto.py'
METHODS = ('oof', 'oof_plain', 'in_sample', 'random')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--folds', type=int, default=3)
    parser.add_argument('--heads', choices=['config', 'linear'],
                        default='config',
                        help="cross_val_scores.py's --heads")
    parser.add_argument('--num-train', type=int, default=1200)
    parser.add_argument('--num-val', type=int, default=200)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--detail-scale', default='synth',
                        choices=['synth', 'photo'])
    parser.add_argument('--noise', type=float, default=0.05)
    parser.add_argument('--noise-seed', type=int, default=0)
    parser.add_argument('--random-draws', type=int, default=20)
    parser.add_argument('--work-dir', default='work_dirs/label_audit_bench')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    parser.add_argument('--results', default=None,
                        help='add the run to this JSON Lines file')
    parser.add_argument('--from-results', nargs='+', default=None,
                        help='print the table of a results file, no run; '
                        'several files: their overall figures side by side')
    parser.add_argument('--out', default=None, help='also write it here')
    parser.add_argument('--overall-only', action='store_true',
                        help='the table without the per-attribute rows')
    return parser.parse_args()


# -- the measurement ------------------------------------------------------
def precision_at_n(ranked: List[bool]) -> float:
    """Of the first N of ``ranked`` (True: an injected error), the share of
    errors, N the number of errors."""
    n = sum(ranked)
    return sum(ranked[:n]) / n if n else float('nan')


def method_metrics(rows: List[dict], truth: set) -> Dict[str, dict]:
    """Per attribute and overall: labels, injected, p_at_n, flagged,
    flagged_precision, flagged_recall of one audit's ranked rows."""
    out = {}
    attributes = sorted({r['attribute'] for r in rows})
    for name in attributes + ['overall']:
        mine = [r for r in rows if name == 'overall' or
                r['attribute'] == name]
        hit = [(r['image'], r['attribute']) in truth for r in mine]
        flagged = [h for r, h in zip(mine, hit) if r['flagged']]
        out[name] = dict(
            labels=len(mine), injected=sum(hit),
            p_at_n=precision_at_n(hit), flagged=len(flagged),
            flagged_precision=sum(flagged) / len(flagged)
            if flagged else float('nan'),
            flagged_recall=sum(flagged) / sum(hit) if sum(hit)
            else float('nan'))
    return out


def random_metrics(rows: List[dict], truth: set, draws: int,
                   seed: int = 0) -> Dict[str, dict]:
    """precision@N of ``draws`` random rankings: mean, sample std, n."""
    rng = np.random.default_rng(seed)
    per_draw = []
    for _ in range(draws):
        order = rng.permutation(len(rows))
        shuffled = [dict(rows[i], flagged=False) for i in order]
        per_draw.append(method_metrics(shuffled, truth))
    out = {}
    for name, first in per_draw[0].items():
        values = np.array([d[name]['p_at_n'] for d in per_draw])
        out[name] = dict(labels=first['labels'], injected=first['injected'],
                         p_at_n=float(values.mean()),
                         p_at_n_std=float(values.std(ddof=1)), n=draws)
    return out


def in_sample_scores(cfg, work_dir: str, log=print) -> tuple:
    """The naive baseline's scores file and training seconds: a model
    trained on every (noisy) training row scoring its own training images
    (resumable)."""
    from mmfashion_attr.analysis.out_of_fold import (TRAIN_DONE,
                                                     build_train_dataset,
                                                     fold_config, score_images,
                                                     train_fold)
    from mmfashion_attr.apis.catalog_inference import image_key, read_done
    dataset = build_train_dataset(cfg)
    paths = [dataset._img_path(dataset.table.image(i))
             for i in range(len(dataset))]
    done_file = osp.join(work_dir, TRAIN_DONE)
    fcfg = fold_config(cfg, [], len(paths), work_dir, 'all')
    if osp.exists(done_file):
        with open(done_file) as f:
            trained = json.load(f)
    else:
        log(f'in-sample model: training on all {len(paths)} rows')
        trained = train_fold(fcfg)
    score_images(fcfg, trained['checkpoint'], paths,
                 osp.join(work_dir, 'scores'))
    done = read_done(osp.join(work_dir, 'scores'))
    out = osp.join(work_dir, 'in_sample_scores.jsonl')
    with open(out, 'w', encoding='utf-8') as f:
        for p in paths:
            f.write(json.dumps(done[image_key(p)]) + '\n')
    return out, trained['train_seconds']


def run(args) -> dict:
    import torch

    from mmfashion_attr.analysis.label_audit import audit_catalogue
    from mmfashion_attr.analysis.linear_fold_heads import \
        linear_cross_val_scores
    from mmfashion_attr.analysis.out_of_fold import cross_val_scores
    from mmfashion_attr.datasets.synthfashion import generate, is_current
    from mmfashion_attr.datasets.synthfashion.label_noise import (
        TRUTH, apply_label_noise, noise_is_current, read_noise_truth,
        restore_clean_labels)
    from mmfashion_attr.utils.experiment_runs import load_config
    start, load_start = time.time(), os.getloadavg()
    cfg = load_config(args.config, args.cfg_options)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    spec = cfg.train_dataloader.dataset
    data = spec.data_root
    if not is_current(data, args.num_train, args.num_val, args.size,
                      detail_scale=args.detail_scale):
        generate(data, args.num_train, args.num_val, args.size, workers=2,
                 detail_scale=args.detail_scale)
        apply_label_noise(data, args.noise, args.noise_seed)
    elif not noise_is_current(data, args.noise, args.noise_seed):
        restore_clean_labels(data)  # same images, another flip
        apply_label_noise(data, args.noise, args.noise_seed)
    truth = {(f['image'], f['attribute'])
             for f in read_noise_truth(osp.join(data, TRUTH))}
    name = osp.splitext(osp.basename(args.config))[0]
    folds = '' if args.folds == 3 else f'_k{args.folds}'
    work = osp.join(args.work_dir, f'{name}_{args.heads}{folds}_'
                    f'{args.num_train}_noise{args.noise}_seed{args.noise_seed}')
    if args.heads == 'linear':  # no training: features and regressions
        oof = linear_cross_val_scores(cfg, osp.join(work, 'oof'), args.folds,
                                      in_sample=True)
        naive, naive_seconds = oof['in_sample_scores'], 0.0
        oof['folds'] = [dict(train_seconds=oof['seconds'])]
    else:
        oof = cross_val_scores(cfg, osp.join(work, 'oof'), args.folds)
        naive, naive_seconds = in_sample_scores(cfg,
                                                osp.join(work, 'in_sample'))
    ann = osp.join(data, spec.ann_file)
    schema = osp.join(data, spec.schema_file)
    img_prefix = osp.join(data, spec.data_prefix)
    audits = {m: audit_catalogue(ann, schema, scores, img_prefix, **kw)
              for m, scores, kw in (
                  ('oof', oof['oof_scores'], {}),
                  # cleanlab's ranking as it was: no calibration, no trust
                  ('oof_plain', oof['oof_scores'],
                   dict(calibrate=False, min_skill=-np.inf)),
                  ('in_sample', naive, {}))}
    metrics = {m: method_metrics(r, truth) for m, (r, _) in audits.items()}
    metrics['random'] = random_metrics(audits['oof'][0], truth,
                                       args.random_draws)
    fold_models = {n: dict(s['fold_model'], warning=s['warning'])
                   for n, s in audits['oof'][1].items()
                   if n != 'overall' and s['fold_model']}
    fold_seconds = [f['train_seconds'] for f in oof['folds']]
    return run_records.record(
        args.config, metrics, seed=args.noise_seed, split='train',
        train_seconds=sum(fold_seconds) + naive_seconds,
        cfg_options=args.cfg_options,
        fold_models=fold_models,
        benchmark=dict(folds=args.folds, heads=args.heads,
                       num_train=args.num_train,
                       size=args.size, detail_scale=args.detail_scale,
                       noise=args.noise,
                       random_draws=args.random_draws,
                       fold_train_seconds=fold_seconds,
                       in_sample_train_seconds=naive_seconds,
                       total_seconds=round(time.time() - start, 1),
                       torch_threads=torch.get_num_threads(),
                       loadavg_start=list(load_start),
                       loadavg_end=list(os.getloadavg())))


# -- the table ------------------------------------------------------------
def _mean_std(values: List[float]) -> str:
    values = [v for v in values if v == v]  # nan: not defined
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}'


def _cell(records: List[dict], method: str, name: str, key: str) -> str:
    return _mean_std([r['metrics'][method][name][key] for r in records
                      if method in r['metrics']])


def _trust(records: List[dict], name: str) -> str:
    """The fold model's out-of-fold accuracy against the majority
    baseline's, and in how many runs it was trusted."""
    models = [r['fold_models'][name] for r in records
              if name in r.get('fold_models', {})]
    if not models:
        return '-'
    return (f'{_mean_std([m["accuracy"] for m in models])} vs '
            f'{_mean_std([m["majority_accuracy"] for m in models])} '
            f'({sum(m["trusted"] for m in models)}/{len(models)})')


def _heads(benchmark: dict) -> str:
    return (' (linear heads on its frozen features)'
            if benchmark.get('heads') == 'linear' else '')


def _work(benchmark: dict) -> str:
    return ('features and regressions (folds and in-sample)'
            if benchmark.get('heads') == 'linear' else
            'training (folds and in-sample model)')


def _runs(records: List[dict]) -> str:
    runs = []
    for r in records:
        b = r['benchmark']
        scale = ('photo-scale details, ' if b.get('detail_scale') == 'photo'
                 else '')
        runs.append(
            f'noise seed {r["seed"]}: {b["num_train"]} training images at '
            f'{b["size"]} px, {scale}{b["noise"]:.0%} of each attribute\'s '
            f'labels flipped, K={b["folds"]} folds{_heads(b)}, '
            f'{r["config"]}, '
            f'{r["date"][:10]}, commit {r["commit"]}, {r["machine"]}, '
            f'{_work(b)} {(r.get("train_seconds") or 0) / 60:.0f} min, '
            f'this run {b["total_seconds"] / 60:.0f} '
            'min (finished steps of earlier runs reused), load average '
            f'{b["loadavg_start"][0]:.1f} at the start, '
            f'{b["loadavg_end"][0]:.1f} at the end')
    return (f'n = {len(records)} run(s) (one training per fold and method '
            'each). ' + '; '.join(runs) + '.')


def table(records: List[dict], overall_only: bool = False) -> str:
    """Markdown: per attribute, the methods' precision@N (mean ± sample
    std over the records when there are several), the flagged set's
    precision / recall, the fold model's accuracy against the majority
    baseline's (trusted in how many runs), and how the runs were made."""
    first = records[0]['metrics']
    names = [n for n in first['oof'] if n != 'overall' and
             not overall_only] + ['overall']
    plain = any('oof_plain' in r['metrics'] for r in records)
    lines = [
        '| attribute | labels | injected errors | out-of-fold P@N | '
        'flagged (precision / recall) | ' +
        ('out-of-fold P@N, plain cleanlab | ' if plain else '') +
        'in-sample P@N | random P@N | fold model accuracy vs majority '
        '(trusted) |',
        '| --- ' * (8 + plain) + '|']
    for name in names:
        rand = first['random'][name]
        random_cell = _cell(records, 'random', name, 'p_at_n')
        if len(records) == 1 and rand['p_at_n'] == rand['p_at_n']:
            random_cell = (f'{rand["p_at_n"]:.3f} ± {rand["p_at_n_std"]:.3f}'
                           f' (n={rand["n"]} draws)')
        bold = '**' if name == 'overall' else ''
        lines.append(
            f'| {bold}{name}{bold} | {first["oof"][name]["labels"]} | '
            f'{first["oof"][name]["injected"]} | '
            f'{_cell(records, "oof", name, "p_at_n")} | '
            f'{first["oof"][name]["flagged"]} '
            f'({_cell(records, "oof", name, "flagged_precision")} / '
            f'{_cell(records, "oof", name, "flagged_recall")}) | ' +
            (f'{_cell(records, "oof_plain", name, "p_at_n")} | '
             if plain else '') +
            f'{_cell(records, "in_sample", name, "p_at_n")} | '
            f'{random_cell} | {_trust(records, name)} |')
    lines += ['', _runs(records)]
    return '\n'.join(lines) + '\n'


def comparison(groups: List[List[dict]]) -> str:
    """Markdown: one row per results file (a config at one training-set
    size), overall precision@N of each method, mean ± sample std over its
    runs (noise seeds), and the attributes whose fold model was not
    trusted."""
    lines = ['| config | training images | runs (noise seeds) | '
             'out-of-fold P@N | out-of-fold P@N, plain cleanlab | '
             'in-sample P@N | random P@N | not trusted (runs) |',
             '| --- ' * 8 + '|']
    for records in groups:
        b = records[0]['benchmark']
        untrusted = Counter(n for r in records
                            for n, m in r.get('fold_models', {}).items()
                            if not m['trusted'])
        lines.append(
            f'| {osp.basename(records[0]["config"])}{_heads(b)} | '
            f'{b["num_train"]} | '
            f'{len(records)} ({", ".join(str(r["seed"]) for r in records)})'
            f' | {_cell(records, "oof", "overall", "p_at_n")} | '
            f'{_cell(records, "oof_plain", "overall", "p_at_n")} | '
            f'{_cell(records, "in_sample", "overall", "p_at_n")} | '
            f'{_cell(records, "random", "overall", "p_at_n")} | ' +
            (', '.join(f'{n} ({c})' for n, c in sorted(untrusted.items()))
             or 'none') + ' |')
    lines.append('')
    for g in groups:
        size = g[0]['benchmark']['num_train']
        lines.append(f'{osp.basename(g[0]["config"])}'
                     f'{_heads(g[0]["benchmark"])}, {size} images: '
                     f'{_runs(g)}')
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    if args.from_results and len(args.from_results) > 1:
        text = comparison([run_records.load(f) for f in args.from_results])
    else:
        if args.from_results:
            records = run_records.load(args.from_results[0])
        else:
            rec = run(args)
            if args.results:
                run_records.save(args.results, rec)
            records = [rec]
        text = table(records, args.overall_only)
    print(text, end='')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text)


if __name__ == '__main__':
    main()
