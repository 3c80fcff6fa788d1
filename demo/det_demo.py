"""Detect garments with an Attribute Mask R-CNN model: per garment the
mask, box, category and attributes with scores.

    python demo/det_demo.py INPUT CONFIG CHECKPOINT [--out results.json]
        [--ann instances.json] [--show-dir DIR] [--score-thr 0.5]
        [--attr-thr 0.5] [--device cuda]

INPUT: an image, a folder of images or a .txt file listing image paths.
Runs ``AttributeDetInferencer`` (mmdet's ``DetInferencer`` keeping the
attributes). --out writes a COCO results file, what
tools/analysis_tools/eval_fashionpedia.py reads: per detection
``image_id``, ``category_id``, ``bbox``, ``score``, ``segmentation``
(RLE), ``attribute_ids``, plus ``file_name``, ``category`` and
``attributes`` (names). ``image_id`` is the image's id in --ann (matched
by file name; an image it lacks is an error), else its position in INPUT.
Only the categories of the checkpoint's
``dataset_meta['attr_category_ids']`` (the training set's, the metric's)
get attributes, in the model and in the JSON alike.
--show-dir draws each image with the config's visualizer
(``AttributeDetLocalVisualizer``: masks, boxes, categories, top
attributes).
"""
import argparse
import json
import os
import os.path as osp

import mmcv

from mmfashion_attr.apis import AttributeDetInferencer
from mmfashion_attr.apis.attribute_inferencer import expand_inputs
from mmfashion_attr.evaluation.fashionpedia_metric import to_results
from mmfashion_attr.utils.cli import run_main


def image_ids(ann_file: str, paths: list) -> list:
    """Each path's image id in the COCO file ``ann_file``: the image whose
    ``file_name`` ends the path (``train/a.jpg`` matches
    ``data/images/train/a.jpg``), else the only one with its base name."""
    with open(ann_file, encoding='utf-8') as f:
        images = json.load(f)['images']
    ids = []
    for path in paths:
        norm = osp.normpath(osp.abspath(path)).replace(os.sep, '/')
        found = [im for im in images if norm.endswith(
            '/' + osp.normpath(im['file_name']).replace(os.sep, '/'))]
        if not found:
            found = [im for im in images if osp.basename(im['file_name'])
                     == osp.basename(path)]
        if len(found) != 1:
            raise SystemExit(
                f'{path}: {"no" if not found else len(found)} images '
                f'named {osp.basename(path)!r} in {ann_file} (--ann)')
        ids.append(found[0]['id'])
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='image, folder or .txt list of images')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='write the results (COCO JSON)')
    parser.add_argument('--ann', help='COCO annotations giving the image '
                        'ids of --out (matched by file name)')
    parser.add_argument('--show-dir', help='write drawn images here')
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--attr-thr', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    paths = expand_inputs(args.input)
    ids = (image_ids(args.ann, paths) if args.ann
           else list(range(len(paths))))
    inferencer = AttributeDetInferencer(
        args.config, args.checkpoint, device=args.device,
        attr_thr=args.attr_thr, show_progress=False)
    meta = inferencer.model.dataset_meta
    cat_ids = list(meta.get('category_ids') or range(len(meta['classes'])))
    names = dict(zip(meta['attribute_ids'], meta['attributes']))
    if args.show_dir:
        os.makedirs(args.show_dir, exist_ok=True)
        inferencer.visualizer.attr_thr = args.attr_thr
    all_results = []
    for path, image_id in zip(paths, ids):
        sample, = inferencer(path, return_datasamples=True)['predictions']
        results = to_results(sample.pred_instances.to_dict(), image_id,
                             cat_ids, meta['attribute_ids'], args.attr_thr,
                             args.score_thr, meta.get('attr_category_ids'))
        for det in results:
            det['file_name'] = osp.basename(path)
            det['category'] = meta['classes'][cat_ids.index(
                det['category_id'])]
            det['attributes'] = [names[a] for a in det['attribute_ids']]
        all_results += results
        print(f'{path}: ' + '; '.join(
            f'{d["category"]} {d["score"]:.2f} [{", ".join(d["attributes"])}]'
            for d in results))
        if args.show_dir:
            inferencer.visualizer.add_datasample(
                'garments', mmcv.imread(path, channel_order='rgb'), sample,
                draw_gt=False, pred_score_thr=args.score_thr,
                out_file=osp.join(args.show_dir, osp.basename(path)))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(all_results, f)
        if not args.ann:
            print(f'{args.out}: image_id is each image\'s position in the '
                  'input; give --ann ANN.json for its ids there (to '
                  'evaluate with eval_fashionpedia.py)')


if __name__ == '__main__':
    run_main(main)
