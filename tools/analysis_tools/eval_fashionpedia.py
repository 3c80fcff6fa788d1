"""Evaluate a COCO-style results file with ``attribute_ids`` per detection
against Fashionpedia-style annotations: Fashionpedia's AP as its official
evaluator (FPEval) computes it, with IoU and attribute F1 jointly, with IoU
alone and (``--modes f1``) with F1 alone; attribute F1 of the matches.

    python tools/analysis_tools/eval_fashionpedia.py ANN_JSON RESULTS_JSON \
        [--iou-type segm bbox] [--attr-categories fashionpedia|all|N ...] \
        [--f1-type binary_macro|positive] [--modes iou_f1 iou f1] \
        [--out-json summary.json]

The results file is what Fashionpedia's own tools read (and
demo/det_demo.py and FashionpediaMetric's ``outfile_prefix`` write): a list
of ``{image_id, category_id, score, bbox and/or segmentation (RLE),
attribute_ids}``. Boxes are taken from the masks where a detection has
none (as pycocotools' and Fashionpedia's ``loadRes`` do), and for the
ground truth's garments likewise (Fashionpedia's sample annotations have
none), with a count printed.
"""
import argparse
import contextlib
import io
import json

from pycocotools.coco import COCO

from mmfashion_attr.datasets.fashionpedia.categories import \
    resolve_attr_categories
from mmfashion_attr.datasets.fashionpedia.coco_segmentation import \
    segmentation_bbox
from mmfashion_attr.evaluation.fashionpedia_eval import (F1_TYPES, MODES,
                                                         fashionpedia_summary)
from mmfashion_attr.utils.cli import run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_json', help='ground truth (Fashionpedia JSON)')
    parser.add_argument('results_json', help='detections with attribute_ids')
    parser.add_argument('--iou-type', nargs='+', default=['segm', 'bbox'],
                        choices=['segm', 'bbox'])
    parser.add_argument('--attr-categories', nargs='+',
                        default=['fashionpedia'],
                        help="categories judged on attributes: "
                        "'fashionpedia' (FPEval's 18), 'all', or names / "
                        'ids (numbers are ids)')
    parser.add_argument('--f1-type', default='binary_macro', choices=F1_TYPES,
                        help="binary_macro: FPEval's; positive: F1 of the "
                        "present attributes, 1 where the garment has none "
                        "(the seed's), inside the same AP")
    parser.add_argument('--modes', nargs='+', default=['iou_f1', 'iou'],
                        choices=MODES, help="FPEval's summaries")
    parser.add_argument('--out-json', help='write the summary numbers here')
    return parser.parse_args()


def attr_category_ids(spec, gt: COCO, source: str):
    """``--attr-categories`` resolved against the file's categories."""
    if len(spec) == 1 and spec[0] in ('fashionpedia', 'all'):
        spec = spec[0]
    else:
        spec = [int(s) if s.lstrip('-').isdigit() else s for s in spec]
    cats = sorted(gt.dataset['categories'], key=lambda c: c['id'])
    return resolve_attr_categories(spec, [c['name'] for c in cats],
                                   [c['id'] for c in cats], source)


def main():
    args = parse_args()
    with open(args.results_json) as f:
        results = json.load(f)
    if not isinstance(results, list):
        raise SystemExit(f'{args.results_json}: expected a list of '
                         'detections')
    for i, det in enumerate(results):
        missing = {'image_id', 'category_id', 'score', 'attribute_ids'} - \
            set(det)
        if missing or not {'bbox', 'segmentation'} & set(det):
            raise SystemExit(f'{args.results_json}: detection {i} lacks '
                             f'{sorted(missing) or "bbox and segmentation"}')
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(args.ann_json)
    attr_ids = attr_category_ids(args.attr_categories, gt, args.ann_json)
    if 'bbox' in args.iou_type:
        boxless = [a for a in gt.dataset['annotations'] if 'bbox' not in a]
        for ann in boxless:
            img = gt.imgs[ann['image_id']]
            ann['bbox'] = segmentation_bbox(ann['segmentation'],
                                            img['height'], img['width'])
        if boxless:
            print(f'{args.ann_json}: {len(boxless)} annotations without '
                  'bbox: boxes from their masks')
    summary = {}
    for iou_type in args.iou_type:
        if iou_type == 'segm' and any('segmentation' not in d
                                      for d in results):
            raise SystemExit(f'{args.results_json}: --iou-type segm needs '
                             "'segmentation' in every detection")
        # loadRes adds keys (area, id, bbox from the mask) to the dicts it
        # gets: each IoU type loads its own copies
        with contextlib.redirect_stdout(io.StringIO()):
            dt = gt.loadRes([dict(d) for d in results]) if results \
                else COCO()
        for name, value in fashionpedia_summary(
                gt, dt, iou_type, args.f1_type, attr_ids,
                args.modes).items():
            summary[f'{iou_type}_{name}'] = round(value, 4)
    width = max(map(len, summary))
    for name, value in summary.items():
        print(f'{name:<{width}}  {value:.4f}')
    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(dict(summary, f1_type=args.f1_type,
                           attr_category_ids=list(attr_ids)), f, indent=1)


if __name__ == '__main__':
    run_main(main)
