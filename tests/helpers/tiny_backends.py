"""A tiny model exported for every deployment backend, each file made once
per session (the ``tiny_backends`` fixture of tests/conftest.py)."""
import os.path as osp

import pytest

from tests.helpers.tiny_config import write_tiny_config

SUFFIX = {'onnxruntime': '.onnx', 'onnxruntime-int8': '.onnx',
          'openvino': '.xml', 'openvino-int8': '.xml'}
PACKAGES = {'onnxruntime': ('onnx', 'onnxruntime'),
            'onnxruntime-int8': ('onnx', 'onnxruntime'),
            'openvino': ('onnx', 'openvino'),
            'openvino-int8': ('onnx', 'openvino', 'nncf')}
EXTRA = {'onnxruntime': 'deploy', 'onnxruntime-int8': 'deploy',
         'openvino': 'openvino', 'openvino-int8': 'openvino'}


def decisive_tiny_model(config: str, seed: int):
    """The tiny config's model initialised with ``seed``, the bias of each
    branch's output layer spread over (-3.3, 2.7) in a seeded order: a
    random-weight model's scores hardly differ between values (near ties
    that int8 rounding could flip on one CPU and not on another); spread,
    every chosen value is clear of the others and of the 0.5 threshold,
    and two seeds choose differently."""
    import torch
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    import mmfashion_attr  # noqa: F401
    torch.manual_seed(seed)
    model = get_model(Config.fromfile(config))
    model.init_weights()
    order = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for branch in model.head.branches:
            bias = branch[-1].bias
            spread = torch.linspace(-3.3, 2.7, bias.numel())
            bias.copy_(spread[torch.randperm(bias.numel(),
                                             generator=order)])
    return model.eval()


class TinyBackends:
    """The tiny config (64 px), the decisive model of seed 0 (``model``,
    checkpoint ``ckpt``) and of seed 1 (``other_ckpt``: another
    checkpoint), the packed test images and their paths, the packed
    training images (calibration); :meth:`file` exports lazily."""

    def __init__(self, synth_root: str, tmp):
        import torch
        from mmengine.config import Config

        from mmfashion_attr.apis.packed_images import (packed_images,
                                                       split_dataset)
        self.tmp = tmp
        self.config = write_tiny_config(tmp / 'tiny.py', synth_root)
        self.cfg = Config.fromfile(self.config)
        self.model = decisive_tiny_model(self.config, 0)
        self.ckpt = str(tmp / 'seed0.pth')
        torch.save(dict(state_dict=self.model.state_dict()), self.ckpt)
        self.other_ckpt = str(tmp / 'seed1.pth')
        torch.save(dict(state_dict=decisive_tiny_model(
            self.config, 1).state_dict()), self.other_ckpt)
        self.images = packed_images(self.cfg)
        test_set = split_dataset(self.cfg)
        self.paths = [test_set.get_data_info(i)['img_path']
                      for i in range(len(test_set))]
        self.calib = packed_images(self.cfg, split='train').numpy()
        self._files = {}

    def reference_scores(self):
        import torch

        from mmfashion_attr.deployment import ScoresModel
        with torch.no_grad():
            return ScoresModel(self.model)(self.images).numpy()

    def file(self, backend: str, other: bool = False) -> str:
        """The model exported for ``backend`` (dynamic batch; int8:
        calibrated on the 24 training images); ``other``: the seed-1
        checkpoint's. Skips the test when the backend's packages are
        missing."""
        for package in PACKAGES[backend]:
            pytest.importorskip(package, reason=f'pip install -e '
                                f'.[{EXTRA[backend]}] (tools/install.sh)')
        key = (backend, other)
        if key in self._files:
            return self._files[key]
        from mmfashion_attr.apis.attribute_inferencer import model_tasks
        from mmfashion_attr.deployment import (ScoresModel, export_onnx,
                                               onnx_to_openvino,
                                               quantize_onnx,
                                               quantize_openvino)
        name = ('seed1_' if other else 'seed0_') + backend.replace('-', '_')
        out = str(self.tmp / (name + SUFFIX[backend]))
        if backend == 'onnxruntime':
            model = self.model
            if other:
                model = decisive_tiny_model(self.config, 1)
            export_onnx(ScoresModel(model), out, self.images.shape[2:],
                        model_tasks(model), dynamic_batch=True)
        else:
            fp32 = self.file('onnxruntime', other)
            if backend == 'onnxruntime-int8':
                quantize_onnx(fp32, out, self.calib)
            elif backend == 'openvino':
                onnx_to_openvino(fp32, out)
            else:
                quantize_openvino(fp32, out, self.calib)
        assert osp.isfile(out)
        self._files[key] = out
        return out
