import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

import mmfashion_attr  # noqa: F401
from mmpretrain.registry import MODELS

TASKS = [dict(name='category', num_classes=3, multi_label=False),
         dict(name='neck', num_classes=4),
         dict(name='closure', num_classes=2, hidden_dims=(5, 5))]


def sample(gt_indices, labelled):
    s = DataSample()
    gt = np.zeros(9, np.uint8)
    gt[list(gt_indices)] = 1
    s.set_field(gt, 'gt_attr')
    s.set_field(np.array(labelled, bool), 'gt_attr_mask')
    return s


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='MultiTaskMaskedHead', in_channels=6,
                             tasks=TASKS, hidden_dims=(7, ), **kwargs))


def test_branch_shapes():
    head = build()
    assert head(( torch.randn(2, 6), )).shape == (2, 9)
    # per-branch hidden sizes: closure has two hidden layers of 5
    assert [m.out_features for m in head.branches[2]
            if isinstance(m, torch.nn.Linear)] == [5, 5, 2]


def test_missing_attribute_gets_zero_gradient():
    head = build()
    feats = (torch.randn(2, 6), )
    # neck labelled in no sample; closure labelled in sample 0 only
    samples = [sample([0, 7], [1, 0, 1]), sample([2], [1, 0, 0])]
    losses = head.loss(feats, samples)
    assert losses['loss_neck'].item() == 0.0
    sum(losses.values()).backward()
    for p in head.branches[1].parameters():
        assert p.grad is not None and torch.count_nonzero(p.grad) == 0
    assert any(torch.count_nonzero(p.grad) > 0
               for p in head.branches[2].parameters())


def test_masked_sample_does_not_change_loss():
    head = build()
    feats = torch.randn(2, 6)
    only = head.loss((feats[:1], ), [sample([0, 3], [1, 1, 0])])
    both = head.loss((feats, ), [sample([0, 3], [1, 1, 0]),
                                 sample([1, 4, 5], [1, 0, 0])])
    assert torch.allclose(only['loss_neck'], both['loss_neck'])


def test_loss_values_match_torch():
    head = build()
    feats = (torch.randn(3, 6), )
    samples = [sample([0, 3, 5], [1, 1, 0]), sample([1, 4], [1, 1, 0]),
               sample([2, 8], [0, 0, 1])]
    losses = head.loss(feats, samples)
    logits = head(feats).detach()
    expected_neck = F.binary_cross_entropy_with_logits(
        logits[:2, 3:7], torch.tensor([[1., 0, 1, 0], [0, 1, 0, 0]]))
    expected_cat = F.cross_entropy(logits[:2, :3], torch.tensor([0, 1]))
    assert torch.allclose(losses['loss_neck'], expected_neck, atol=1e-6)
    assert torch.allclose(losses['loss_category'], expected_cat, atol=1e-6)


def test_all_missing_batch_is_zero_not_nan():
    head = build()
    losses = head.loss((torch.randn(2, 6), ),
                       [sample([], [0, 0, 0]), sample([], [0, 0, 0])])
    for value in losses.values():
        assert torch.isfinite(value) and value.item() == 0.0


def test_predict_scores_every_task_for_every_sample():
    head = build(thresholds=0.5)
    feats = (torch.randn(3, 6), )
    samples = [sample([0], [1, 0, 0]), sample([], [0, 0, 0]),
               sample([1, 3], [1, 1, 0])]
    out = head.predict(feats, samples)
    for s in out:
        assert s.pred_score.shape == (9, )
        assert torch.isclose(s.pred_score[:3].sum(), torch.tensor(1.0))
        # exactly one category label, any number of multi-label values
        assert ((s.pred_label >= 0) & (s.pred_label < 3)).sum() == 1
    assert len(head.predict(feats, None)) == 3


def test_value_masks_zero_disallowed_scores(tmp_path):
    import json
    schema = dict(categories=['jeans', 'pyjamas'], attributes=[
        dict(name='closure', values=['button', 'zip', 'drawstring'],
             value_categories=dict(button=['jeans'], zip=['jeans'],
                                   drawstring=['pyjamas']))])
    path = tmp_path / 'schema.json'
    path.write_text(json.dumps(schema))
    torch.manual_seed(0)
    head = MODELS.build(dict(type='MultiTaskMaskedHead', in_channels=4,
                             schema_file=str(path), value_masks=True,
                             mask_with_gt_category=True, mask_loss=True))
    feats = (torch.randn(2, 4), )
    samples = []
    for cat in (0, 1):
        s = DataSample()
        gt = np.zeros(5, np.uint8)
        gt[cat] = 1
        s.set_field(gt, 'gt_attr')
        s.set_field(np.array([1, 0]), 'gt_attr_mask')
        samples.append(s)
    out = head.predict(feats, samples)
    jeans, pyjamas = out[0].pred_score, out[1].pred_score
    assert jeans[4] == 0 and (jeans[2:4] > 0).all()  # no drawstring on jeans
    assert pyjamas[2] == 0 and pyjamas[3] == 0 and pyjamas[4] > 0
    loss = head.loss(feats, samples)
    assert all(torch.isfinite(v) for v in loss.values())


def test_value_masks_need_matching_schema(tmp_path):
    import json
    path = tmp_path / 'schema.json'
    path.write_text(json.dumps(dict(categories=['a'], attributes=[
        dict(name='x', values=['1', '2'])])))
    with pytest.raises(ValueError, match='differ from the tasks'):
        MODELS.build(dict(type='MultiTaskMaskedHead', in_channels=4,
                          tasks=TASKS, schema_file=str(path),
                          value_masks=True))


def test_half_precision_head_computes_its_losses_in_float32():
    """A half-precision head (AMP, or .half()) computes every loss from its
    logits cast to float32: equal, to float32 precision, to the losses of
    those logits computed by hand in float32. Logits in the hundreds make
    half-precision arithmetic visibly off (its spacing there is 0.25-0.5),
    so this fails when the cast in ``loss`` is removed."""
    torch.manual_seed(0)
    head = MODELS.build(dict(
        type='MultiTaskMaskedHead', in_channels=8, hidden_dims=(),
        tasks=[dict(name='cat', num_classes=5, multi_label=False),
               dict(name='big', num_classes=520)]))
    with torch.no_grad():
        for p in head.parameters():
            p.mul_(60)
    head = head.half()
    rng = np.random.default_rng(0)
    gt = np.zeros((64, 525), np.uint8)
    gt[np.arange(64), rng.integers(0, 5, 64)] = 1
    gt[:, 5:] = rng.random((64, 520)) < 0.1
    samples = []
    for row in gt:
        s = DataSample()
        s.set_field(row, 'gt_attr')
        s.set_field(np.array([True, True]), 'gt_attr_mask')
        samples.append(s)
    feats = torch.randn(64, 8).half()
    losses = head.loss((feats, ), samples)
    logits = head((feats, )).float()
    assert logits.abs().max() > 100
    target = torch.from_numpy(gt).float()
    expected = dict(
        loss_cat=F.cross_entropy(logits[:, :5], target[:, :5].argmax(1)),
        loss_big=F.binary_cross_entropy_with_logits(logits[:, 5:],
                                                    target[:, 5:]))
    for name, value in expected.items():
        assert losses[name].dtype == torch.float32
        assert losses[name].item() == pytest.approx(value.item(), rel=1e-6)


def test_scores_are_float32_under_autocast():
    head = build()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = head.predict((torch.randn(2, 6), ), None)
    assert all(s.pred_score.dtype == torch.float32 for s in out)


def test_pred_label_uses_per_task_thresholds():
    head = build(thresholds=dict(neck=0.0, closure=1.01))
    out = head.predict((torch.randn(2, 6), ), None)
    for s in out:
        labels = set(s.pred_label.tolist())
        assert set(range(3, 7)) <= labels  # neck: every value passes 0.0
        assert not labels & {7, 8}  # closure: none passes 1.01
    head.thresholds = 0.5  # set by SyncThresholdsHook from the evaluator
    score = torch.tensor([0.2, 0.7, 0.1, 0.6, 0.4, 0.5, 0.1, 0.9, 0.2])
    assert head.labels_from_scores(score).tolist() == [1, 3, 5, 7]


def test_sigmoid_all_labels_single_label_tasks_as_the_metric_does():
    """With sigmoid_all, two category values can both score above the
    threshold; pred_label still takes the top one, as AttributeF1 and the
    inferencer (evaluation.thresholds.binarize) do, so --out dumps agree
    with the metric."""
    from mmfashion_attr.evaluation.thresholds import binarize
    head = build(sigmoid_all=True)
    logits = torch.tensor([[2.0, 3.0, -1.0, 1.0, 1.0, -1.0, -1.0, 2.0, -2.0]])
    scores = head.scores(logits)
    assert (scores[0, :3] > 0.5).sum() == 2  # sigmoid, not softmax
    labels = head.labels_from_scores(scores[0]).tolist()
    expected = []
    for task, sl in zip(TASKS, head.slices):
        chosen = binarize(scores[:, sl].numpy(),
                          task.get('multi_label', True), 0.5)[0]
        expected += [sl.start + i for i in np.flatnonzero(chosen)]
    assert labels == expected == [1, 3, 4, 7]


def test_targets_of_another_schema_are_refused():
    head = build()
    s = DataSample()
    s.set_field(np.zeros(10, np.uint8), 'gt_attr')  # one value more
    s.set_field(np.ones(3, bool), 'gt_attr_mask')
    with pytest.raises(ValueError, match='10 values per sample, the head 9'):
        head.loss((torch.randn(1, 6), ), [s])


def test_stock_pack_inputs_gets_a_clear_error():
    with pytest.raises(KeyError, match=r"algorithm_keys=\('gt_attr'"):
        build().loss((torch.randn(1, 6), ), [DataSample()])


def test_state_dict_carries_the_tasks():
    head = build()
    other = MODELS.build(dict(
        type='MultiTaskMaskedHead', in_channels=6, hidden_dims=(7, ),
        tasks=[dict(TASKS[0], name='garment')] + TASKS[1:]))
    build().load_state_dict(head.state_dict())  # same tasks: loads
    with pytest.raises(ValueError, match="task 0 is 'category' in the "
                       "checkpoint, 'garment' in"):
        other.load_state_dict(head.state_dict())
