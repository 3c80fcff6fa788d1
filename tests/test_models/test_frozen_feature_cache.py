"""FrozenFeatureCache: the frozen backbone runs once per distinct input;
cached maps equal a fresh forward pass; changed weights or pixels miss."""
import pytest
import torch

from mmfashion_attr.models.backbones import FrozenFeatureCache

FROZEN_LITE = dict(type='EfficientNetLite', frozen_stages=7, norm_eval=True)


def counting_cache(**kwargs):
    torch.manual_seed(0)  # the same random weights in every instance
    cache = FrozenFeatureCache(FROZEN_LITE, **kwargs).train()
    calls = []
    cache.backbone.register_forward_hook(
        lambda m, inputs, out: calls.append(len(inputs[0])))
    return cache, calls


def test_same_pixels_are_computed_once_and_equal_a_fresh_pass(tmp_path):
    cache, calls = counting_cache()
    x = torch.randn(3, 3, 64, 64)
    first = cache(x)
    # two seen images, one new (a flipped view is another input)
    again = cache(torch.stack([x[2], x[0], x[0].flip(-1)]))
    assert calls == [3, 1]
    with torch.no_grad():
        fresh = cache.backbone(torch.stack([x[2], x[0], x[0].flip(-1)]))
    for cached, ref in zip(again, fresh):
        # batch of 3 vs 1: oneDNN sums in another order (seen 1.3e-5)
        torch.testing.assert_close(cached, ref, rtol=1e-4, atol=1e-4)
    assert [f.shape[1] for f in first] == [40, 112, 320]
    assert not any(f.requires_grad for f in first)
    assert cache.backbone.timm_model.bn1.training is False  # stays eval


def test_disk_entries_are_shared_and_keyed_by_the_weights(tmp_path):
    x = torch.randn(2, 3, 64, 64)
    writer, _ = counting_cache(cache_dir=str(tmp_path))
    expected = writer(x)
    reader, calls = counting_cache(cache_dir=str(tmp_path),
                                   keep_in_memory=False)
    for got, want in zip(reader(x), expected):
        assert torch.equal(got, want)
    assert calls == []  # read from disk, not computed
    with torch.no_grad():  # other weights: other entries
        reader.backbone.timm_model.conv_stem.weight.mul_(2)
    changed = reader(x)
    assert calls == [2]
    assert not torch.allclose(changed[0], expected[0])


def test_a_trainable_backbone_is_refused():
    cache = FrozenFeatureCache(dict(type='EfficientNetLite',
                                    frozen_stages=3))
    with pytest.raises(ValueError, match='trainable parameters'):
        cache(torch.randn(1, 3, 32, 32))


def test_another_output_choice_does_not_read_the_entries(tmp_path):
    """Same weights, other taps: other entries (not the three-tap tuple)."""
    x = torch.randn(1, 3, 64, 64)
    counting_cache(cache_dir=str(tmp_path))[0](x)
    torch.manual_seed(0)
    last_tap = FrozenFeatureCache(dict(FROZEN_LITE, out_indices=(4, )),
                                  cache_dir=str(tmp_path))
    out = last_tap(x)
    assert len(out) == 1 and out[0].shape[1] == 320


def test_a_trained_model_predicting_keeps_no_entry(tmp_path, synth_root):
    """init_trained_model (inferencer, infer_catalog, service, export)
    turns the cache off: no entry per catalogue image, and the forward is
    the backbone's, so the model exports."""
    from mmengine.config import Config

    from mmfashion_attr.apis import init_trained_model
    from tests.helpers.tiny_config import write_tiny_config
    cfg = Config.fromfile(write_tiny_config(tmp_path / 'tiny.py',
                                            synth_root))
    cfg.model.backbone = dict(type='FrozenFeatureCache',
                              backbone=dict(FROZEN_LITE, out_indices=(2, 3, 4)),
                              cache_dir=str(tmp_path / 'cache'))
    cfg.model.neck.in_channels = [40, 112, 320]
    cfg.model.head.in_channels = 40 + 112 + 320
    model = init_trained_model(cfg, None)
    assert model.backbone.bypass
    with torch.no_grad():
        model(torch.randn(2, 3, 64, 64), mode='tensor')
    assert not (tmp_path / 'cache').exists()
    assert model.backbone.hits == model.backbone.misses == 0
