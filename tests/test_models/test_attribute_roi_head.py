"""Attribute Mask R-CNN's RoI head: each positive RoI's target is its own
ground truth's attributes, unlabelled garments can be left out of the loss,
and every final detection gets attribute scores."""
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi, bbox_overlaps
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

import mmfashion_attr  # noqa: F401
from tests.helpers.tiny_config import ROOT

CONFIG = osp.join(ROOT, 'configs', 'attr_mask_rcnn',
                  'attr-mask-rcnn_r18_fpn_synthfashion.py')
NUM_ATTRS = 36


@pytest.fixture(scope='module')
def model():
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        return MODELS.build(cfg.model)


def sample(boxes, labels, attrs, size=64):
    ds = DetDataSample(metainfo=dict(img_shape=(size, size),
                                     ori_shape=(size, size),
                                     scale_factor=(1.0, 1.0),
                                     batch_input_shape=(size, size),
                                     pad_shape=(size, size)))
    ds.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        labels=torch.tensor(labels),
        attributes=torch.tensor(attrs, dtype=torch.uint8))
    from mmdet.structures.mask import BitmapMasks
    masks = torch.zeros(len(boxes), size, size, dtype=torch.uint8)
    for m, (x1, y1, x2, y2) in zip(masks, boxes):
        m[int(y1):int(y2), int(x1):int(x2)] = 1
    ds.gt_instances.masks = BitmapMasks(masks.numpy(), size, size)
    ds.ignored_instances = InstanceData(bboxes=torch.zeros(0, 4),
                                        labels=torch.zeros(0).long())
    return ds


def hot(*ids):
    row = [0] * NUM_ATTRS
    for i in ids:
        row[i] = 1
    return row


def test_positive_rois_get_their_own_ground_truths_attributes(model):
    head = model.roi_head
    boxes = [[2, 2, 30, 30], [34, 34, 62, 62], [34, 2, 62, 30]]
    gt_attrs = [hot(1, 5), hot(7), hot(20, 30)]
    data = [sample(boxes, [0, 1, 2], gt_attrs)]
    feats = tuple(torch.randn(1, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    # proposals: jittered copies of each garment
    props = torch.tensor(boxes, dtype=torch.float32).repeat(4, 1)
    props += torch.randint(-3, 4, props.shape).float()
    rpn = [InstanceData(bboxes=props.clamp(0, 64),
                        scores=torch.ones(len(props)))]
    seen = {}
    forward, loss = head._attr_forward, head.attr_head.loss

    def record_forward(x, rois):
        seen['rois'] = rois
        return forward(x, rois)

    def record_loss(logits, targets, labels):
        seen['targets'] = targets
        return loss(logits, targets, labels)

    head._attr_forward, head.attr_head.loss = record_forward, record_loss
    try:
        losses = head.loss(feats, rpn, data)
    finally:
        del head._attr_forward, head.attr_head.loss
    assert losses['loss_attr'] > 0
    rois, targets = seen['rois'], seen['targets']
    assert len(rois) >= len(boxes)  # the ground truths are proposals too
    owner = bbox_overlaps(rois[:, 1:], torch.tensor(
        boxes, dtype=torch.float32)).argmax(1)
    expected = torch.tensor(gt_attrs, dtype=torch.uint8)[owner]
    assert torch.equal(targets, expected)


def test_unlabelled_garments_left_out_of_the_loss():
    from mmfashion_attr.models.heads import RoIAttributeHead
    with DefaultScope.overwrite_default_scope('mmdet'):
        skip = RoIAttributeHead(4, in_channels=1, roi_feat_size=1,
                                loss=dict(type='CrossEntropyLoss',
                                          use_sigmoid=True))
        keep = RoIAttributeHead(4, in_channels=1, roi_feat_size=1,
                                loss=dict(type='CrossEntropyLoss',
                                          use_sigmoid=True),
                                skip_unlabelled=False)
    logits = torch.tensor([[2., -2, 0, 0], [9, 9, 9, 9]])
    targets = torch.tensor([[1, 0, 0, 1], [0, 0, 0, 0]])
    only_first = keep.loss(logits[:1], targets[:1])['loss_attr']
    assert skip.loss(logits, targets)['loss_attr'] == pytest.approx(
        float(only_first))
    assert keep.loss(logits, targets)['loss_attr'] > only_first
    # nothing labelled: a zero loss that still backpropagates
    logits.requires_grad_(True)
    zero = skip.loss(logits, torch.zeros_like(targets))['loss_attr']
    zero.backward()
    assert zero == 0 and logits.grad is not None


def test_every_detection_gets_attribute_scores(model):
    head = model.roi_head
    feats = tuple(torch.randn(2, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    props = torch.tensor([[2., 2, 40, 50], [10, 10, 60, 60]])
    rpn = [InstanceData(bboxes=props, scores=torch.ones(2)),
           InstanceData(bboxes=torch.zeros(0, 4), scores=torch.zeros(0))]
    data = [sample([[0, 0, 1, 1]], [0], [hot()]) for _ in range(2)]
    head.test_cfg.score_thr = 0.0
    results = head.predict(feats, rpn, data, rescale=True)
    assert len(results[0]) > 0
    for res in results:
        assert res.attr_scores.shape == (len(res), NUM_ATTRS)
        assert res.masks.shape[0] == len(res)
    assert ((results[0].attr_scores >= 0)
            & (results[0].attr_scores <= 1)).all()
    # categories without attributes get none
    head.attr_categories = [5]
    try:
        res = head.predict(feats, rpn, data)[0]
    finally:
        head.attr_categories = None
    assert (res.attr_scores[res.labels != 5] == 0).all()


def test_per_category_outputs_read_the_class_slice():
    from mmfashion_attr.models.heads import RoIAttributeHead
    with DefaultScope.overwrite_default_scope('mmdet'):
        percat = RoIAttributeHead(4, in_channels=8, roi_feat_size=1,
                                  fc_channels=(), num_classes=3,
                                  loss=dict(type='CrossEntropyLoss',
                                            use_sigmoid=True))
    logits = torch.randn(2, 3 * 4)
    labels = torch.tensor([2, 0])
    scores = percat.predict(logits, labels)
    assert torch.allclose(scores[0], logits[0, 8:12].sigmoid())
    assert torch.allclose(scores[1], logits[1, 0:4].sigmoid())
    targets = torch.tensor([[1, 0, 0, 1], [0, 1, 0, 0]])
    sliced = torch.stack([logits[0, 8:12], logits[1, 0:4]])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        sliced, targets.float(), reduction='sum') / 2  # avg_over='rois'
    assert float(percat.loss(logits, targets, labels)['loss_attr']) == \
        pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ValueError, match='labels'):
        percat.predict(logits)


@pytest.fixture(scope='module')
def percat_model():
    cfg = Config.fromfile(CONFIG.replace('r18_fpn_', 'r18_fpn_percat_'))
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        return MODELS.build(cfg.model)


def test_seed_head_reads_the_box_heads_features_of_positive_rois(
        percat_model):
    """attr_from='box_fcs': the attribute FCs get the box head's shared FC
    output of the positive RoIs, with their ground truths' attributes and
    classes, and their loss trains the box head's shared FCs too."""
    head = percat_model.roi_head
    assert head.attr_head.fcs[1].in_features == \
        head.bbox_head.shared_fcs[-1].out_features
    boxes = [[2, 2, 30, 30], [34, 34, 62, 62], [34, 2, 62, 30]]
    gt_attrs = [hot(1, 5), hot(7), hot(20, 30)]
    data = [sample(boxes, [0, 1, 2], gt_attrs)]
    feats = tuple(torch.randn(1, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    props = torch.tensor(boxes, dtype=torch.float32).repeat(4, 1)
    props += torch.randint(-3, 4, props.shape).float()
    rpn = [InstanceData(bboxes=props.clamp(0, 64),
                        scores=torch.ones(len(props)))]
    seen = {}
    attr_forward, loss = head.attr_head.forward, head.attr_head.loss
    bbox_loss = head.bbox_loss

    def record_bbox_loss(x, sampling_results):
        seen['sampling'] = sampling_results
        out = bbox_loss(x, sampling_results)
        seen['shared'] = out['shared_feats']
        return out

    def record_forward(x):
        seen['feats'] = x
        return attr_forward(x)

    def record_loss(logits, targets, labels):
        seen['targets'], seen['labels'] = targets, labels
        return loss(logits, targets, labels)

    head.bbox_loss = record_bbox_loss
    head.attr_head.forward, head.attr_head.loss = record_forward, record_loss
    try:
        losses = head.loss(feats, rpn, data)
    finally:
        del head.bbox_loss, head.attr_head.forward, head.attr_head.loss
    res, = seen['sampling']
    npos = len(res.pos_priors)
    assert npos >= len(boxes)
    # the positive RoIs' rows of the box head's shared features, recomputed
    # from scratch with the box head's own modules
    rois = bbox2roi([res.priors])
    x = head.bbox_roi_extractor(feats[:4], rois).flatten(1)
    for fc in head.bbox_head.shared_fcs:
        x = torch.relu(fc(x))
    assert torch.allclose(seen['feats'], x[:npos], atol=1e-5)
    assert torch.equal(seen['feats'], seen['shared'][:npos])
    gt_inds = res.pos_assigned_gt_inds
    assert torch.equal(seen['targets'], torch.tensor(
        gt_attrs, dtype=torch.uint8)[gt_inds])
    assert torch.equal(seen['labels'], torch.tensor([0, 1, 2])[gt_inds])
    percat_model.zero_grad()
    losses['loss_attr'].backward()
    assert head.bbox_head.shared_fcs[0].weight.grad.abs().sum() > 0
    assert head.bbox_head.fc_cls.weight.grad is None


def test_seed_head_scores_each_detection_with_its_class_slice(percat_model):
    head = percat_model.roi_head
    feats = tuple(torch.randn(1, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    rpn = [InstanceData(bboxes=torch.tensor([[2., 2, 40, 50],
                                             [10, 10, 60, 60]]),
                        scores=torch.ones(2))]
    data = [sample([[0, 0, 1, 1]], [0], [hot()])]
    head.test_cfg.score_thr = 0.0
    res = head.predict(feats, rpn, data)[0]
    assert len(res) > 0
    rois = bbox2roi([res.bboxes])
    logits = head.attr_head(head._bbox_forward(feats, rois)['shared_feats'])
    per_class = logits.view(len(res), 6, NUM_ATTRS).sigmoid()
    assert torch.allclose(res.attr_scores,
                          per_class[torch.arange(len(res)), res.labels],
                          atol=1e-6)



def test_seed_head_from_proposals_in_the_box_heads_pass(percat_model):
    """attr_on='proposals': the same detections as re-pooling the final
    boxes, and each one's attribute scores are those of the proposal it came
    from, in the pass that gave its class score (the seed's predictor)."""
    head = percat_model.roi_head
    feats = tuple(torch.randn(1, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    proposals = torch.tensor([[2., 2, 40, 50], [10, 10, 60, 60],
                              [30, 5, 62, 40]])
    data = [sample([[0, 0, 1, 1]], [0], [hot()])]
    head.test_cfg.score_thr = 0.0

    def predict(attr_on):
        head.attr_on = attr_on
        rpn = [InstanceData(bboxes=proposals.clone(), scores=torch.ones(3))]
        try:
            return head.predict(feats, rpn, data)[0]
        finally:
            head.attr_on = 'final'

    final, seed = predict('final'), predict('proposals')
    assert len(seed) > len(proposals)  # several classes per proposal
    for key in ('bboxes', 'scores', 'labels'):
        assert torch.equal(final[key], seed[key]), key
    assert not torch.allclose(final.attr_scores, seed.attr_scores)
    # every proposal's class scores and per-class attribute scores
    out = head._bbox_forward(feats, bbox2roi([proposals]))
    cls = out['cls_score'].softmax(-1)
    attr = head.attr_head(out['shared_feats']).view(
        len(proposals), 6, NUM_ATTRS).sigmoid()
    for score, label, scores in zip(seed.scores, seed.labels,
                                    seed.attr_scores):
        came_from = [p for p in range(len(proposals))
                     if torch.isclose(cls[p, label], score, atol=1e-6)]
        assert came_from and any(
            torch.allclose(attr[p, label], scores, atol=1e-6)
            for p in came_from)
    with pytest.raises(ValueError, match="only with attr_from='box_fcs'"):
        roi_head_cfg = Config.fromfile(CONFIG).model.roi_head
        roi_head_cfg.attr_on = 'proposals'
        with DefaultScope.overwrite_default_scope('mmdet'):
            MODELS.build(roi_head_cfg)


# categories with gapped ids in the file's order; the classes a reordered
# subset of them
GAPPED = [dict(id=3, name='shirt'), dict(id=10, name='pants'),
          dict(id=28, name='skirt'), dict(id=41, name='bag')]
CLASSES = ('bag', 'skirt', 'shirt')


def gapped_dataset(tmp_path, attr_categories, classes=CLASSES):
    """A FashionpediaInstanceDataset of one garment over ``GAPPED``."""
    import json

    from mmfashion_attr.datasets import FashionpediaInstanceDataset
    ann_file = tmp_path / 'instances.json'
    ann_file.write_text(json.dumps(dict(
        images=[dict(id=1, file_name='a.jpg', height=64, width=64)],
        annotations=[dict(id=1, image_id=1, category_id=28, iscrowd=0,
                          bbox=[2, 2, 20, 20], area=400,
                          segmentation=[[2, 2, 22, 2, 22, 22, 2, 22]],
                          attribute_ids=[5])],
        categories=GAPPED, attributes=[dict(id=5, name='plain')])))
    with DefaultScope.overwrite_default_scope('mmdet'):
        return FashionpediaInstanceDataset(
            ann_file=str(ann_file), data_prefix=dict(img=str(tmp_path)),
            metainfo=dict(classes=classes), pipeline=[],
            check_images=False,
            attr_categories=attr_categories)


def roi_head(num_classes=len(CLASSES), attr_categories=None):
    """The CPU config's RoI head alone, ``num_classes`` classes."""
    cfg = Config.fromfile(CONFIG).model
    head = cfg.roi_head
    head.bbox_head.num_classes = head.mask_head.num_classes = num_classes
    head.update(attr_categories=attr_categories, test_cfg=cfg.test_cfg.rcnn)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(head)


def test_dataset_meta_gives_class_indices_by_id(tmp_path):
    """Reordered subset classes, gapped ids: shirt (id 3) and skirt (id
    28) are class indices 2 and 1, not the file's positions 0 and 2 nor
    their ids; and only they get attribute scores."""
    meta = gapped_dataset(tmp_path, ['shirt', 'skirt']).metainfo
    assert meta['attr_category_ids'] == (28, 3)
    head = roi_head()
    assert head.attr_categories is None  # from the dataset, not given yet
    head.set_dataset_meta(meta, 'train')
    assert head.attr_categories == [1, 2]
    # predictions: class 0 (bag) gets zero attribute scores
    head.attr_head.predict = lambda logits, labels: torch.ones(
        len(labels), NUM_ATTRS)
    head.predict_bbox = lambda *a, **k: [InstanceData(
        bboxes=torch.tensor([[2., 2, 30, 30]] * 3),
        labels=torch.tensor([0, 1, 2]), scores=torch.ones(3))]
    head.mask_head = head.mask_roi_extractor = None  # boxes only
    feats = tuple(torch.randn(1, 64, 64 // s, 64 // s)
                  for s in (4, 8, 16, 32, 64))
    res, = head.predict(feats, None, [sample([[0, 0, 1, 1]], [0], [hot()])])
    assert res.attr_scores.sum(1).tolist() == [0, NUM_ATTRS, NUM_ATTRS]


def test_dataset_meta_checked(tmp_path):
    meta = gapped_dataset(tmp_path, ['shirt', 'skirt']).metainfo
    # explicit class indices: the same set is accepted
    head = roi_head(attr_categories=[2, 1])
    head.set_dataset_meta(meta, 'train')
    assert head.attr_categories == [1, 2]
    # the file's positions of shirt and skirt are not these classes'
    with pytest.raises(ValueError, match=r'attr_categories \[0, 2\].*'
                       r"train's attr_category_ids \[3, 28\].*\[1, 2\]"):
        roi_head(attr_categories=[0, 2]).set_dataset_meta(meta, 'train')
    # a model of other classes than the dataset's
    with pytest.raises(ValueError, match=r'category_ids \[41, 28, 3\].*'
                       'num_classes=6'):
        roi_head(num_classes=6).set_dataset_meta(meta, 'train')
    with pytest.raises(ValueError, match=r'val: attr_category_ids \[99\]'):
        roi_head().set_dataset_meta(
            dict(meta, attr_category_ids=(99, )), 'val')
    with pytest.raises(ValueError, match="val: .*no 'category_ids'"):
        roi_head().set_dataset_meta(dict(attr_category_ids=(3, )), 'val')
    # no attr_category_ids (another dataset): the config's set stays
    head = roi_head(attr_categories=[0])
    head.set_dataset_meta(dict(classes=CLASSES), 'val')
    assert head.attr_categories == [0]
