"""Detect garments with an Attribute Mask R-CNN model: per garment the
mask, box, category and attributes with scores.

    python demo/det_demo.py INPUT CONFIG CHECKPOINT [--out results.json]
        [--show-dir DIR] [--score-thr 0.5] [--attr-thr 0.5] [--device cuda]

INPUT: an image, a folder of images or a .txt file listing image paths.
--out writes Fashionpedia's results format (what
tools/analysis_tools/eval_fashionpedia.py reads), with ``image_id`` the
image's file name and ``category`` / ``attributes`` names added;
--show-dir draws each image with mmdet's visualizer, the attribute names
beside each garment.
"""
import argparse
import json
import os
import os.path as osp

import mmcv
import numpy as np

from mmfashion_attr.apis.attribute_inferencer import expand_inputs
from mmfashion_attr.evaluation.fashionpedia_metric import to_results
from mmfashion_attr.utils.checkpoint_loading import trusted_checkpoints


def draw(vis, path, sample, results, score_thr, out_file):
    """mmdet's drawing of masks, boxes and categories, then the attribute
    names under each box."""
    image = mmcv.imread(path, channel_order='rgb')
    vis.add_datasample('garments', image, sample, draw_gt=False,
                       pred_score_thr=score_thr)
    vis.set_image(vis.get_image())
    for det in results:
        if det['attributes']:
            x, y, w, h = det['bbox']
            vis.draw_texts('\n'.join(det['attributes'][:4]),
                           np.array([x + 2, y + h - 2]),
                           font_sizes=8, colors='white',
                           vertical_alignments='bottom',
                           bboxes=dict(facecolor='black', alpha=0.6,
                                       pad=0.5, edgecolor='none'))
    mmcv.imwrite(vis.get_image()[..., ::-1], out_file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='image, folder or .txt list of images')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='write the results (JSON)')
    parser.add_argument('--show-dir', help='write drawn images here')
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--attr-thr', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    from mmdet.apis import inference_detector, init_detector
    with trusted_checkpoints():  # a full training checkpoint
        model = init_detector(args.config, args.checkpoint,
                              device=args.device)
    meta = model.dataset_meta
    if 'attributes' not in meta:
        raise SystemExit(f'{args.checkpoint} carries no attribute names: '
                         'train it with this plugin')
    cat_ids = list(meta.get('category_ids', range(len(meta['classes']))))
    attr_index = {a: i for i, a in enumerate(meta['attribute_ids'])}
    paths = expand_inputs(args.input)
    if args.show_dir:
        from mmdet.registry import VISUALIZERS
        os.makedirs(args.show_dir, exist_ok=True)
        vis = VISUALIZERS.build(dict(type='DetLocalVisualizer',
                                     name='det_demo'))
        vis.dataset_meta = meta
    all_results = []
    for path in paths:
        sample = inference_detector(model, path)
        name = osp.basename(path)
        results = to_results(sample.pred_instances.to_dict(), name,
                             cat_ids, meta['attribute_ids'], args.attr_thr,
                             args.score_thr)
        for det in results:
            det['category'] = meta['classes'][cat_ids.index(
                det['category_id'])]
            det['attributes'] = [meta['attributes'][attr_index[a]]
                                 for a in det['attribute_ids']]
        all_results += results
        print(f'{path}: ' + '; '.join(
            f'{d["category"]} {d["score"]:.2f} [{", ".join(d["attributes"])}]'
            for d in results))
        if args.show_dir:
            draw(vis, path, sample, results, args.score_thr,
                 osp.join(args.show_dir, name))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(all_results, f)


if __name__ == '__main__':
    main()
