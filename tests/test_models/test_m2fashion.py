"""M2Fashion: attention shapes, label-mask fractions, the triplet loss, one
training step with the three losses, and known states steering a trained
tiny model."""
import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmfashion_attr.datasets.transforms import MaskAttributeStates
from mmfashion_attr.models.heads.m2fashion_head import M2FashionHead
from mmfashion_attr.models.layers.attribute_channel_attention import \
    AttributeChannelAttention
from mmfashion_attr.models.layers.attribute_spatial_attention import \
    AttributeSpatialAttention
from mmfashion_attr.models.layers.attribute_state_embedding import \
    AttributeStateEmbedding
from mmfashion_attr.models.losses import AttributeTripletLoss

K = 6


def test_state_embedding_unknown_is_a_state():
    torch.manual_seed(0)
    emb = AttributeStateEmbedding(num_attributes=K, channels=8)
    states = torch.tensor([[0] * K, [-1] + [0] * (K - 1),
                           [1] + [0] * (K - 1)])
    out = emb(states)
    # nothing given is not the zero vector, and unknown is not negative
    assert out[0].abs().min() > 0
    assert not torch.allclose(out[0], out[1])
    assert not torch.allclose(out[1], out[2])
    # the paper's encoding: W_a A, nothing given embeds to exactly 0
    paper = AttributeStateEmbedding(num_attributes=K, channels=8,
                                    unknown_state=False)
    w = paper.embed.weight  # (K, d)
    signed = torch.tensor([[1, -1, 0, 0, 1, 0], [0] * K]).float()
    torch.testing.assert_close(paper(signed), torch.tanh(signed @ w))
    assert not paper(signed)[1].any()
    with pytest.raises(ValueError, match='must be 1'):
        emb(torch.tensor([[2] + [0] * (K - 1)]))
    with pytest.raises(ValueError, match=f'\\(N, {K}\\)'):
        emb(torch.zeros(1, K + 1))


def test_spatial_attention_shapes_and_softmax():
    torch.manual_seed(0)
    asa = AttributeSpatialAttention(channels=8, num_attributes=K)
    feats = torch.randn(2, 8, 4, 5)
    states = torch.tensor([[1, -1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]])
    attended, alpha = asa(feats, states)
    assert attended.shape == (2, 8, 4, 5) and alpha.shape == (2, 4, 5)
    torch.testing.assert_close(alpha.sum((1, 2)), torch.ones(2))
    # the map's mean is eq 5's alpha-weighted sum of the features
    torch.testing.assert_close(
        attended[0].mean((1, 2)), (feats[0] * alpha[0]).sum((1, 2)))
    # the states move the attention; nothing given is not uniform
    _, other = asa(feats, states.flip(0))
    assert not torch.allclose(alpha[0], other[0])
    assert alpha[1].max() - alpha[1].min() > 1e-3
    paper = AttributeSpatialAttention(channels=8, num_attributes=K,
                                      unknown_state=False)
    _, uniform = paper(feats[:1], torch.zeros(1, K))
    torch.testing.assert_close(uniform, torch.full((1, 4, 5), 1 / 20))


def test_channel_attention_pools_and_gates_with_states():
    torch.manual_seed(0)
    feats = torch.randn(3, 8, 4, 4)
    states = torch.tensor([[1, -1, 0, 0, 1, 0], [-1, 1, 1, 0, 0, -1],
                           [0] * K])
    for pooling, pool in (('max', feats.amax((2, 3))),
                          ('avg', feats.mean((2, 3)))):
        aca = AttributeChannelAttention(channels=8, num_attributes=K,
                                        hidden_channels=4, pooling=pooling)
        out = aca(feats, states)
        assert out.shape == (3, 8)
        ratio = out / pool  # a sigmoid gate per channel, in (0, 1)
        assert ((ratio > 0) & (ratio < 1)).all()
        gate = torch.sigmoid(aca.fc2(torch.sigmoid(aca.fc1(torch.cat(
            [aca.embed(states), pool], 1)))))  # eqs 6-8 on that pooling
        torch.testing.assert_close(out, gate * pool)
    # the same features with other states: another gate
    same = feats[:1].expand(3, -1, -1, -1)
    gates = aca(same, states) / same.mean((2, 3))
    assert (gates[0] - gates[1]).abs().max() > 1e-3
    assert (gates[0] - gates[2]).abs().max() > 1e-3
    # gradients reach exactly the embedding rows of the states used
    aca.zero_grad()
    aca(same[:1], states[:1]).sum().backward()
    grad = aca.embed.embed.weight.grad.abs().sum(1).view(K, 3)
    used = torch.zeros(K, 3, dtype=torch.bool)
    used[torch.arange(K), states[0] + 1] = True
    assert (grad[used] > 0).all() and not grad[~used].any()
    with pytest.raises(ValueError, match='pooling'):
        AttributeChannelAttention(8, K, pooling='sum')


def test_attribute_loss_on_hidden_attributes_only():
    """Eq 12: the loss sums over the attributes label masking hid and is
    blind to the ones given to the model (and to the unlabelled)."""
    torch.manual_seed(0)
    head = M2FashionHead(in_channels=4, num_classes=3, num_attributes=K)
    z = torch.randn(2, 4)
    states = np.array([[1, -1, 0, 1, -1, 1], [-1, -1, 1, 0, 1, 1]], np.int8)
    hidden = np.array([[1, 1, 0, 0, 0, 1], [0, 1, 1, 1, 0, 0]], bool)

    def samples(states):
        out = []
        for i, (s, h) in enumerate(zip(states, hidden)):
            sample = DataSample().set_gt_label(i)
            sample.set_field(s, 'attr_states')
            sample.set_field(h, 'attr_loss_mask')
            out.append(sample)
        return out

    def loss(states):
        return head.loss(z, samples(states))['loss_attribute']

    _, logits = head(z)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.from_numpy(states == 1).float(), reduction='none')
    mask = torch.from_numpy(hidden & (states != 0)).float()
    # eqs 11-12: the sum over the hidden attributes, averaged over images
    expected = (bce * mask).sum() / 2
    torch.testing.assert_close(loss(states), expected)
    flipped = states.copy()
    flipped[0, 3] = -1  # a known (given) attribute: no effect
    flipped[1, 4] = -1
    torch.testing.assert_close(loss(flipped), expected)
    flipped[0, 0] = -1  # a hidden one: counts
    assert not torch.isclose(loss(flipped), expected)
    mean = M2FashionHead(in_channels=4, num_classes=3, num_attributes=K,
                         attribute_reduction='mean')
    mean.load_state_dict(head.state_dict())
    torch.testing.assert_close(mean.loss(z, samples(states))['loss_attribute'],
                               (bce * mask).sum() / mask.sum())


def test_label_mask_fractions():
    np.random.seed(0)
    states = np.array([1, -1, 0, 1, -1, -1, 0, 1, -1, 1], np.int8)
    labelled = set(np.flatnonzero(states).tolist())  # 8 labelled
    mask = MaskAttributeStates()
    counts = []
    for _ in range(2000):
        out = mask(dict(attr_states=states))
        hidden = set(np.flatnonzero(out['attr_loss_mask']).tolist())
        known = set(np.flatnonzero(out['known_states']).tolist())
        assert hidden <= labelled and not hidden & known
        assert known | hidden == labelled  # unknown stays unknown
        np.testing.assert_array_equal(out['known_states'][sorted(known)],
                                      states[sorted(known)])
        counts.append(len(hidden))
    # 25 %-100 % of 8: 2..8 hidden, uniform fraction -> mean about 5
    assert min(counts) == 2 and max(counts) == 8
    assert 4.6 < np.mean(counts) < 5.4
    test = MaskAttributeStates(test_mode=True)(dict(attr_states=states))
    assert not test['known_states'].any()
    assert set(np.flatnonzero(test['attr_loss_mask'])) == labelled


def test_triplet_loss_by_hand():
    z = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [3.0, 4.0]])
    positives = torch.tensor([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0]],
                             dtype=torch.bool)
    loss = AttributeTripletLoss(margin=0.2, loss_weight=1.0)
    # anchor 0: positive 1 (cos 0.7071), negative 2 (cos 0);
    # anchor 1: positive 0, negative 2 (both 0.7071);
    # anchor 2: no positive; sample 3 has no attribute: never used
    expected = (max(0, 0 - 0.70711 + 0.2) + max(0, 0.70711 - 0.70711 + 0.2)
                ) / 2
    assert loss(z, positives).item() == pytest.approx(expected, abs=1e-4)
    paper = AttributeTripletLoss(margin=0.2, similarity='paper',
                                 loss_weight=1.0)
    # eq 13: a.b / (|a| + |b|): anchor 0 -> 1: 1 / (1 + 1.4142) = 0.4142
    expected = (max(0, 0 - 0.41421 + 0.2) + max(0, 0.41421 - 0.41421 + 0.2)
                ) / 2
    assert paper(z, positives).item() == pytest.approx(expected, abs=1e-4)
    none = loss(z, torch.zeros(4, 3, dtype=torch.bool))
    assert none.item() == 0.0


def tiny_model(**kwargs):
    return MODELS.build(dict(
        type='M2FashionClassifier',
        backbone=dict(type='ResNet', depth=18, stem_channels=8,
                      base_channels=8, out_indices=(3, )),
        in_channels=64, channels=16, num_attributes=K,
        head=dict(type='M2FashionHead', in_channels=16, num_classes=3,
                  num_attributes=K),
        data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0, 0, 0],
                               std=[255, 255, 255]),
        **kwargs))


def batch(states, labels, masker, size=64, seed=0):
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for state, label in zip(states, labels):
        inputs.append(torch.from_numpy(
            rng.integers(0, 256, (3, size, size), dtype=np.uint8)))
        out = masker(dict(attr_states=np.asarray(state, np.int8)))
        sample = DataSample().set_gt_label(int(label))
        for key in ('attr_states', 'known_states', 'attr_loss_mask'):
            sample.set_field(out[key], key)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_one_training_step_with_three_losses():
    torch.manual_seed(0)
    np.random.seed(0)
    model = tiny_model()
    rng = np.random.default_rng(1)
    states = rng.choice([-1, 0, 1], size=(8, K))
    data = model.data_preprocessor(
        batch(states, rng.integers(0, 3, 8), MaskAttributeStates()), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_category', 'loss_attribute', 'loss_triplet'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    for module in (model.spatial, model.channel, model.fc, model.reduce,
                   model.backbone):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters())
    # the ablations build and run
    for kwargs in (dict(spatial_attention=False),
                   dict(channel_attention=False)):
        ablation = tiny_model(**kwargs)
        assert set(ablation(**data, mode='loss')) == set(losses)


def test_known_states_steer_a_trained_model():
    """Noise images; attribute 1 always equals attribute 0, so only the
    given state of attribute 0 can tell attribute 1. With nothing given the
    trained attention is not uniform (not average pooling), and a given
    state moves it."""
    torch.manual_seed(0)
    np.random.seed(0)
    model = tiny_model(triplet_loss=None)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    masker = MaskAttributeStates()
    for step in range(60):
        a = rng.choice([-1, 1], size=16)
        states = np.zeros((16, K), int)
        states[:, 0] = states[:, 1] = a
        data = model.data_preprocessor(
            batch(states, np.zeros(16), masker, seed=step), True)
        loss = sum(model(**data, mode='loss').values())
        optim.zero_grad()
        loss.backward()
        optim.step()
    model.eval()
    given = np.zeros((2, K), int)
    given[0, 0], given[1, 0] = 1, -1
    data = model.data_preprocessor(
        batch(np.zeros((2, K)), [0, 0], MaskAttributeStates(test_mode=True),
              seed=99), False)
    for sample, known in zip(data['data_samples'], given):
        sample.set_field(known.astype(np.int8), 'known_states')
    with torch.no_grad():
        alpha = model.attention(data['inputs'], data['data_samples'])
        nothing = model.attention(data['inputs'], None)
        out = model(**data, mode='predict')
    yes, no = (s.pred_attr_score[1].item() for s in out)
    assert yes > 0.5 > no and yes - no > 0.3, (yes, no)
    hw = nothing[0].numel()
    spread = (nothing.amax((1, 2)) - nothing.amin((1, 2))) * hw
    assert (spread > 0.05).all(), spread  # uniform: exactly 0
    assert (alpha - nothing).abs().amax() * hw > 1e-3


def test_known_types_at_test_time():
    states = np.array([1, -1, 0, 1, -1, 1], np.int8)
    types = np.array([1, 1, 2, 3, 3, 5], np.int8)
    out = MaskAttributeStates(test_mode=True, known_types=[1, 5])(
        dict(attr_states=states, attr_types=types))
    # texture and style given, as a seller would; the rest to predict
    np.testing.assert_array_equal(out['known_states'], [1, -1, 0, 0, 0, 1])
    np.testing.assert_array_equal(out['attr_loss_mask'],
                                  [0, 0, 0, 1, 1, 0])
    with pytest.raises(ValueError, match='test_mode'):
        MaskAttributeStates(known_types=[1])


def test_pooling_without_aca():
    """ASA without ACA: eq 5's V_s (the attended map's mean) by default,
    its global max with pooling_without_aca='max' (the gate's 2x2)."""
    torch.manual_seed(0)
    images = torch.rand(2, 3, 64, 64)
    for pooling, reduce in (('avg', lambda f: f.mean(dim=(2, 3))),
                            ('max', lambda f: f.amax(dim=(2, 3)))):
        model = tiny_model(channel_attention=False,
                           pooling_without_aca=pooling).eval()
        with torch.no_grad():
            feats = model.reduce(model.backbone(images)[-1])
            attended, _ = model.spatial(feats, torch.zeros(2, K))
            expected = model.fc(reduce(attended))
            assert torch.allclose(model.extract_feat(images), expected)
    with pytest.raises(ValueError, match='pooling_without_aca'):
        tiny_model(channel_attention=False, pooling_without_aca='sum')
