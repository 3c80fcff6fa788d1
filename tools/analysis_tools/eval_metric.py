"""Evaluate the predictions tools/test.py dumped, without the model.

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/eval_metric.py CONFIG preds.pkl \
        [--metric type=AttributeF1 items=macro,map ...] \
        [--thresholds 0.3 | thresholds.json] [--cfg-options k=v ...] \
        [--out metrics.json]

Scores the dump with the config's test_evaluator (AttributeF1,
AttributeTopKRecall, FashionpediaMetric, mmpretrain's Accuracy: what the
config has), or with the --metric ones (mmpretrain's syntax, repeatable;
types in the config's default scope, this package's included), given the
meta of the config's test dataset, and prints the metrics as tools/test.py
logs them. --thresholds replaces the thresholds of every AttributeF1.
Own tool: mmpretrain's eval_metric.py takes no config, so neither this
package's metrics nor the dataset meta they need are there.
"""
import argparse
import json

from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

import mmfashion_attr  # noqa: F401  registers the metrics
from mmfashion_attr.analysis.dumped_predictions import (
    dataset_meta, load_dumped_predictions)
from mmfashion_attr.utils.cli import UserValueError, run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the predictions are of')
    parser.add_argument('pkl', help='pickle from tools/test.py --out')
    parser.add_argument(
        '--metric', nargs='+', action='append', dest='metrics',
        metavar='KEY=VALUE',
        help='a metric instead of the config\'s test_evaluator, e.g. '
        '--metric type=AttributeF1 items=macro,map; repeat for several')
    parser.add_argument(
        '--thresholds',
        help='multi-label thresholds of every AttributeF1: one value or a '
        'calibrate_thresholds.py JSON file (default: the config\'s)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings (xxx=yyy), e.g. the evaluator\'s')
    parser.add_argument('--out', help='also write the metrics as JSON')
    return parser.parse_args()


def metric_configs(args, cfg) -> list:
    """The metrics' configs: from ``--metric`` or the test_evaluator, with
    ``--thresholds`` applied."""
    if args.metrics:
        metrics = []
        for options in args.metrics:
            metric = {}
            for option in options:
                if '=' not in option:
                    raise UserValueError(
                        f'--metric {option!r}: expected KEY=VALUE, e.g. '
                        'type=AttributeF1')
                key, value = option.split('=', maxsplit=1)
                metric[key] = DictAction._parse_iterable(value)
            if 'type' not in metric:
                raise UserValueError(f'--metric {" ".join(options)}: no '
                                     'type=..., e.g. type=AttributeF1')
            metrics.append(metric)
    else:
        evaluator = cfg.get('test_evaluator', None)
        if not evaluator:
            raise UserValueError(f'{args.config}: no test_evaluator; give '
                                 '--metric type=...')
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            evaluator = evaluator['metrics']
        metrics = [evaluator] if isinstance(evaluator, dict) else evaluator
        metrics = [dict(m) for m in metrics]
    if args.thresholds is not None:
        f1 = [m for m in metrics
              if str(m.get('type', '')).endswith('AttributeF1')]
        if not f1:
            raise UserValueError(
                '--thresholds is for AttributeF1, but the metrics are '
                f'{", ".join(str(m.get("type")) for m in metrics)}')
        for m in f1:
            m['thresholds'] = args.thresholds
    return metrics


def format_metrics(metrics: dict, digits: int = 4) -> str:
    """One ``key: value`` line per metric, floats with ``digits`` decimals
    (mmengine's ``LogProcessor``, as tools/test.py logs them)."""
    return '\n'.join(
        f'{k}: {v:.{digits}f}' if isinstance(v, float) else f'{k}: {v}'
        for k, v in metrics.items())


def _plain(value):
    """numpy scalars and arrays as JSON numbers and lists."""
    return value.tolist() if hasattr(value, 'tolist') else str(value)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    metrics = metric_configs(args, cfg)
    preds = load_dumped_predictions(args.pkl)
    # the full dataset: some (Fashionpedia instances) fill their meta
    # from the annotations, as mmdet's eval_metric.py does
    meta = dataset_meta(cfg, full_init=True)
    scope = cfg.get('default_scope', None) or 'mmpretrain'
    with DefaultScope.overwrite_default_scope(scope):
        try:
            evaluator = Evaluator(metrics)
        except KeyError as e:  # the registry's "X is not in the ..."
            raise UserValueError(f'{e.args[0]}') from e
    evaluator.dataset_meta = meta
    results = evaluator.offline_evaluate(preds, chunk_size=64)
    digits = cfg.get('log_processor', {}).get('num_digits', 4)
    print(format_metrics(results, digits))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1, default=_plain)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    run_main(main)
