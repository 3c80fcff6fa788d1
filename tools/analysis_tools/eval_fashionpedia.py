"""Evaluate a COCO-style results file with ``attribute_ids`` per detection
against Fashionpedia-style annotations: AP with IoU and attribute F1
jointly (Fashionpedia's metric), plain COCO AP, attribute F1.

    python tools/analysis_tools/eval_fashionpedia.py ANN_JSON RESULTS_JSON \
        [--iou-type segm bbox] [--f1-type binary_macro|positive] \
        [--out-json summary.json]

The results file is what Fashionpedia's own tools read (and
demo/det_demo.py writes): a list of ``{image_id, category_id, score,
bbox and/or segmentation (RLE), attribute_ids}``.
"""
import argparse
import contextlib
import io
import json

from pycocotools.coco import COCO

from mmfashion_attr.evaluation.fashionpedia_eval import (F1_TYPES,
                                                         fashionpedia_summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_json', help='ground truth (Fashionpedia JSON)')
    parser.add_argument('results_json', help='detections with attribute_ids')
    parser.add_argument('--iou-type', nargs='+', default=['segm', 'bbox'],
                        choices=['segm', 'bbox'])
    parser.add_argument('--f1-type', default='binary_macro', choices=F1_TYPES,
                        help="binary_macro: Fashionpedia's code; positive: "
                        "F1 of the present attributes (Kaggle's)")
    parser.add_argument('--out-json', help='write the summary numbers here')
    args = parser.parse_args()
    with open(args.results_json) as f:
        results = json.load(f)
    if not isinstance(results, list):
        raise SystemExit(f'{args.results_json}: expected a list of '
                         'detections')
    for i, det in enumerate(results):
        if 'attribute_ids' not in det:
            raise SystemExit(f'{args.results_json}: detection {i} has no '
                             'attribute_ids')
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(args.ann_json)
    summary = {}
    for iou_type in args.iou_type:
        key = 'segmentation' if iou_type == 'segm' else 'bbox'
        if results and any(key not in d for d in results):
            raise SystemExit(f'{args.results_json}: --iou-type {iou_type} '
                             f'needs {key!r} in every detection')
        with contextlib.redirect_stdout(io.StringIO()):
            dt = gt.loadRes(results) if results else COCO()
        for name, value in fashionpedia_summary(
                gt, dt, iou_type, args.f1_type).items():
            summary[f'{iou_type}_{name}'] = round(value, 4)
    width = max(map(len, summary))
    for name, value in summary.items():
        print(f'{name:<{width}}  {value:.4f}')
    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(dict(summary, f1_type=args.f1_type), f, indent=1)


if __name__ == '__main__':
    main()
