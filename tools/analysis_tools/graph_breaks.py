"""torch.compile graph breaks of a config's model, per part.

    python tools/analysis_tools/graph_breaks.py CONFIG [--size 64]
        [--schema data/synthfashion/schema.json]

Runs ``torch._dynamo.explain`` on the backbone, the neck, the head, the
whole forward and the training loss (random weights, batch 2; breaks do not
depend on the input size) and prints the graph and break counts with the
first reasons. Compile a run with ``--cfg-options compile=True``.
"""
import argparse

import numpy as np
import torch
import torch._dynamo as dynamo
from mmengine.config import Config
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmfashion_attr.utils.cli import run_main


def samples_for(head, n):
    out = []
    for i in range(n):
        s = DataSample()
        s.set_field(np.eye(head.num_classes, dtype=np.uint8)[i], 'gt_attr')
        s.set_field(np.ones(len(head.tasks), bool), 'gt_attr_mask')
        out.append(s)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--schema', default=None,
                        help="the head's schema file, if the config's is "
                        'not there')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.schema:
        cfg.model.head.schema_file = args.schema
    cfg.model.backbone.init_cfg = None  # nothing to download
    model = MODELS.build(cfg.model).eval()
    x = torch.randn(2, 3, args.size, args.size)
    feats = model.backbone(x)
    fused = model.neck(feats)
    samples = samples_for(model.head, 2)
    parts = [('backbone', model.backbone, x), ('neck', model.neck, feats),
             ('head', model.head, fused),
             ('forward', lambda t: model(t, mode='tensor'), x),
             ('loss', lambda t: model(t, samples, mode='loss'), x)]
    print(f'{"part":<10} {"graphs":>6} {"breaks":>6}')
    for name, fn, arg in parts:
        model.train(name == 'loss')
        result = dynamo.explain(fn)(arg)
        print(f'{name:<10} {result.graph_count:>6} '
              f'{result.graph_break_count:>6}')
        for reason in result.break_reasons[:5]:
            print(f'    {str(reason.reason)[:200]}')
        dynamo.reset()


if __name__ == '__main__':
    run_main(main)
