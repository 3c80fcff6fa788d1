# The attribute branch on Cascade Mask R-CNN (Cai & Vasconcelos, CVPR 2018):
# attr-mask-rcnn_r18_fpn_synthfashion.py with mmdet's three-stage cascade
# (IoU 0.5 / 0.6 / 0.7, stage loss weights 1 / 0.5 / 0.25, one mask head)
# at the same CPU scale. The attribute loss is taken on the last stage's
# positives; attributes are pooled on the final boxes (CascadeAttributeRoIHead).
# Not one of the paper's configs: it shows the branch on another detector.
_base_ = './attr-mask-rcnn_r18_fpn_synthfashion.py'

num_classes, num_attributes, width = 6, 36, 64


def _stage(stds):
    return dict(
        type='Shared2FCBBoxHead', in_channels=width, fc_out_channels=256,
        roi_feat_size=7, num_classes=num_classes, reg_class_agnostic=True,
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                        target_stds=stds),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False,
                      loss_weight=1.0),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))


def _rcnn(iou):
    return dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=iou,
                      neg_iou_thr=iou, min_pos_iou=iou, match_low_quality=False,
                      ignore_iof_thr=-1),
        sampler=dict(type='RandomSampler', num=128, pos_fraction=0.25,
                     neg_pos_ub=-1, add_gt_as_proposals=True),
        mask_size=28, pos_weight=-1, debug=False)


def _extractor(size):
    return dict(type='SingleRoIExtractor', out_channels=width,
                roi_layer=dict(type='RoIAlign', output_size=size,
                               sampling_ratio=0),
                featmap_strides=[4, 8, 16, 32])


model = dict(
    type='CascadeRCNN',
    roi_head=dict(
        _delete_=True, type='CascadeAttributeRoIHead', num_stages=3,
        stage_loss_weights=[1, 0.5, 0.25],
        bbox_roi_extractor=_extractor(7),
        bbox_head=[_stage([0.1, 0.1, 0.2, 0.2]),
                   _stage([0.05, 0.05, 0.1, 0.1]),
                   _stage([0.033, 0.033, 0.067, 0.067])],
        mask_roi_extractor=_extractor(14),
        mask_head=dict(type='FCNMaskHead', num_convs=2, in_channels=width,
                       conv_out_channels=width, num_classes=num_classes,
                       loss_mask=dict(type='CrossEntropyLoss', use_mask=True,
                                      loss_weight=1.0)),
        attr_head=dict(type='RoIAttributeHead', num_attributes=num_attributes,
                       in_channels=width, fc_channels=(256, ),
                       loss=dict(type='FocalLoss', use_sigmoid=True),
                       skip_unlabelled=True),
        attr_categories=None),
    train_cfg=dict(rcnn=[_rcnn(0.5), _rcnn(0.6), _rcnn(0.7)]))
