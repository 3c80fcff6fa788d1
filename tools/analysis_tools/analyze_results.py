"""Per attribute, the images the model gets right and wrong most
confidently, drawn with predicted and true values.

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/analyze_results.py CONFIG preds.pkl \
        --out-dir analysis/ [--topk 20] [--attributes color pattern] \
        [--thresholds 0.3 | thresholds.json] [--cfg-options k=v ...]

Among the images where an attribute is labelled: a single-label
attribute's prediction is its top value, right when it is the true value,
its confidence the top score; a multi-label attribute's is the set of
values from the config's AttributeF1 thresholds (or --thresholds), right
when it is the true set, its confidence the decision margin
|score - threshold| of its least sure value (right) or of its surest
wrong value (wrong). Writes the --topk most confident of each kind as
OUT_DIR/ATTRIBUTE/{success,fail}/RANK_IMAGE.png (the image with that
attribute's predicted values and scores, and its true values:
AttributeClsVisualizer's drawing; an earlier run's are removed) and
OUT_DIR/analysis.json listing them.
Own tool: mmpretrain's analyze_results.py reads one flat gt_label per
image (KeyError 'gt_label' on these predictions).
"""
import argparse
import json
import os
import os.path as osp
import re

import mmcv
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.attribute_errors import (confident_cases,
                                                      safe_file_name)
from mmfashion_attr.analysis.dumped_predictions import (
    attribute_predictions, attribute_tasks, load_dumped_predictions)
from mmfashion_attr.datasets.schema import task_slices
from mmfashion_attr.evaluation.thresholds import (binarize,
                                                  evaluator_thresholds,
                                                  load_thresholds,
                                                  threshold_for)
from mmfashion_attr.utils.cli import UserValueError, run_main
from mmfashion_attr.visualization import AttributeClsVisualizer

DRAWING = re.compile(r'\d+_.+\.png')  # RANK_IMAGE.png


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config the predictions are of')
    parser.add_argument('pkl', help='pickle from tools/test.py --out')
    parser.add_argument('--out-dir', required=True,
                        help='folder for ATTRIBUTE/{success,fail}/ and '
                        'analysis.json')
    parser.add_argument('--topk', type=int, default=20,
                        help='images per attribute and kind (default 20)')
    parser.add_argument('--attributes', nargs='+', metavar='NAME',
                        help='only these attributes (default: all)')
    parser.add_argument(
        '--thresholds',
        help='multi-label thresholds: one value or a calibrate_thresholds.py '
        'JSON file (default: the config\'s test_evaluator\'s)')
    parser.add_argument('--min-size', type=int, default=512,
                        help='drawn images are upscaled to at least this '
                        'long side (default 512)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings (xxx=yyy)')
    return parser.parse_args()


def one_task_sample(score, gt, task, threshold) -> DataSample:
    """One attribute's prediction and truth as a data sample of a one-task
    dataset, for the visualizer."""
    predicted = binarize(score[None], bool(task['multi_label']),
                         threshold)[0]
    sample = DataSample()
    sample.set_field(torch.from_numpy(np.ascontiguousarray(score)),
                     'pred_score')
    sample.set_field(torch.from_numpy(np.flatnonzero(predicted)),
                     'pred_label')
    sample.set_field(gt.astype(np.int64), 'gt_attr')
    sample.set_field(np.ones(1, np.int64), 'gt_attr_mask')
    return sample

def names(classes, flags) -> list:
    """The values whose flag is set."""
    return [str(c) for c, on in zip(classes, flags) if on]


def main():
    args = parse_args()
    if args.topk < 1:
        raise UserValueError(f'--topk {args.topk}: give 1 or more')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    tasks = attribute_tasks(cfg, args.config)
    unknown = set(args.attributes or ()) - {t['name'] for t in tasks}
    if unknown:
        raise UserValueError(
            f'--attributes {", ".join(sorted(unknown))}: not attributes of '
            f'{args.config} ({", ".join(t["name"] for t in tasks)})')
    thresholds = load_thresholds(
        args.thresholds if args.thresholds is not None
        else evaluator_thresholds(cfg.get('test_evaluator', None)))
    slices = task_slices(tasks)
    preds = attribute_predictions(load_dumped_predictions(args.pkl),
                                  args.pkl, tasks)
    cases = confident_cases(preds, tasks, thresholds, args.topk,
                            args.attributes or ())
    visualizer = AttributeClsVisualizer(name='analyze_results',
                                        min_size=args.min_size)
    by_name = {t['name']: (t, sl) for t, sl in zip(tasks, slices)}
    listing = {}
    for name, found in cases.items():
        task, sl = by_name[name]
        threshold = threshold_for(thresholds, name)
        visualizer.dataset_meta = dict(tasks=[task])
        listing[name] = {}
        for kind, chosen in (('success', found.success),
                             ('fail', found.fail)):
            folder = osp.join(args.out_dir, safe_file_name(name), kind)
            os.makedirs(folder, exist_ok=True)
            for old in os.listdir(folder):  # an earlier run's drawings
                if DRAWING.fullmatch(old):
                    os.remove(osp.join(folder, old))
            entries = []
            for rank, case in enumerate(chosen, 1):
                path = preds.img_paths[case.index]
                score, gt = preds.scores[case.index, sl], \
                    preds.gts[case.index, sl]
                out_file = osp.join(folder, f'{rank:0{len(str(args.topk))}d}'
                                    f'_{osp.splitext(osp.basename(path))[0]}'
                                    '.png')
                visualizer.visualize_cls(
                    mmcv.imread(path, channel_order='rgb'),
                    one_task_sample(score, gt, task, threshold),
                    out_file=out_file)
                predicted = binarize(score[None], bool(task['multi_label']),
                                     threshold)[0]
                entries.append(dict(
                    rank=rank, img_path=path, file=out_file,
                    confidence=round(case.confidence, 6),
                    predicted=names(task['classes'], predicted),
                    true=names(task['classes'], gt)))
            listing[name][kind] = entries
        print(f'{name}: {found.right} right, {found.wrong} wrong; drew the '
              f'{len(found.success)} + {len(found.fail)} most confident')
    os.makedirs(args.out_dir, exist_ok=True)
    path = osp.join(args.out_dir, 'analysis.json')
    with open(path, 'w') as f:
        json.dump(dict(pkl=args.pkl, topk=args.topk, attributes=listing), f,
                  indent=1)
    print(f'wrote {path}')


if __name__ == '__main__':
    run_main(main)
