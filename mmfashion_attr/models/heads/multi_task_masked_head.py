"""Branch network of Parekh & Shaik (VISAPP 2023), sections 4.1.5 and 5.2.

One branch per task (each attribute, plus the product category): hidden FC
layer(s) of per-branch size, then one output unit per allowed value.
Attributes are multi-label (sigmoid + binary cross-entropy), the category may
be single-label (softmax). A sample's missing attribute adds no loss.

Written instead of composing mmpretrain's ``MultiTaskHead`` with
``MultiLabelClsHead``: that pair runs one sub-head call per task on Python
lists of per-sample labels, and its ``predict`` hands ``None`` to sub-heads
for samples lacking a task (``MultiLabelClsHead`` then crashes). Here targets
are one dense multi-hot tensor plus a per-task "labelled" mask, so the loss
is a few tensor ops per task and every task is scored for every sample.
"""
import json
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...datasets.schema import AttributeSchema, task_slices
from ...datasets.schema_subset import build_subset
from ...datasets.task_signature import first_difference, task_signature
from ...evaluation.thresholds import load_thresholds, threshold_for


@MODELS.register_module()
class MultiTaskMaskedHead(BaseModule):
    """Per-task branches with missing-label masking.

    Data samples carry ``gt_attr`` (multi-hot over all tasks' values,
    concatenated in task order) and ``gt_attr_mask`` (bool per task: is the
    task labelled for this sample), as produced by the datasets of this
    package.

    Args:
        in_channels (int): Dimension of the fused feature vector.
        tasks (list[dict], optional): Per task: ``name``, ``num_classes`` (or
            ``classes``), optional ``multi_label`` (default True),
            ``hidden_dims`` and ``loss_weight``.
        schema_file (str, optional): Catalogue schema (docs/datasets.md)
            giving the tasks when ``tasks`` is None, and the allowed values.
        subset (dict, optional): ``dict(categories=[...], tasks=[...])``:
            model only this part of the schema (:class:`SchemaSubset`); the
            datasets must be given the same ``subset``.
        sigmoid_all (bool): Sigmoid scores and binary cross-entropy for
            every task, single-label ones included: with ``hidden_dims=()``
            one multi-label layer over all values (the progressive paper's
            multi-label baseline). ``pred_label`` still takes the top value
            of a single-label task, as the metric and the inferencer do.
        hidden_dims (Sequence[int]): Hidden FC sizes of every branch.
        branch_hidden_dims (dict, optional): Task name -> its own sizes.
        loss_weights (dict, optional): Task name -> loss weight.
        act_cfg (dict): Activation after each hidden layer.
        dropout (float): Dropout before each branch's output layer.
        value_masks (bool): Apply the schema's per-category allowed values:
            disallowed values score 0 in predictions.
        mask_loss (bool): Also drop disallowed values (for the sample's
            labelled category) from the loss.
        mask_with_gt_category (bool): In predict, use the labelled category
            when a sample has one; otherwise the predicted category.
        thresholds (float | dict | str): Multi-label score threshold(s) for
            ``pred_label``: one value, per task, or a calibration JSON file.
            ``SyncThresholdsHook`` sets them from the evaluator's
            ``AttributeF1`` so that dumps, visualisations and metrics agree.

    The tasks (names, values, multi-label) travel in the state dict
    (``head._extra_state``): loading a checkpoint trained on another schema
    is an error naming the first difference.

    Attributes:
        active_tasks (set[str] | None): Tasks whose loss is computed (None:
            all). ``ProgressiveTrainingHook`` sets it per stage: a branch
            not yet added has no loss, hence no gradient.
    """

    def __init__(self,
                 in_channels: int,
                 tasks: Optional[List[dict]] = None,
                 schema_file: Optional[str] = None,
                 subset: Optional[dict] = None,
                 sigmoid_all: bool = False,
                 hidden_dims: Sequence[int] = (512, ),
                 branch_hidden_dims: Optional[dict] = None,
                 loss_weights: Optional[dict] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 dropout: float = 0.0,
                 value_masks: bool = False,
                 mask_loss: bool = False,
                 mask_with_gt_category: bool = False,
                 thresholds: Union[float, dict, str] = 0.5,
                 init_cfg=None):
        super().__init__(init_cfg)
        schema = AttributeSchema.from_file(schema_file) if schema_file \
            else None
        if subset is not None:
            if schema is None:
                raise ValueError('subset needs `schema_file`')
            schema = build_subset(schema, subset).schema
        if tasks is None:
            if schema is None:
                raise ValueError('MultiTaskMaskedHead needs `tasks` or '
                                 '`schema_file`')
            tasks = schema.tasks
        self.tasks = [self._parse_task(t) for t in tasks]
        self.schema_source = schema.source if schema is not None \
            else 'the tasks given in the config'
        if subset is not None:
            self.schema_source += f' (subset {subset})'
        for task in self.tasks:  # scores and loss; labels follow the schema
            task['sigmoid'] = sigmoid_all or task['multi_label']
        for name, dims in (branch_hidden_dims or {}).items():
            self._task(name)['hidden_dims'] = dims
        for name, weight in (loss_weights or {}).items():
            self._task(name)['loss_weight'] = weight
        self.slices = task_slices(self.tasks)
        self.num_classes = self.slices[-1].stop
        self.thresholds = load_thresholds(thresholds)
        self.mask_loss = mask_loss
        self.active_tasks = None
        self.mask_with_gt_category = mask_with_gt_category
        self.branches = nn.ModuleList(
            self._branch(in_channels, t.get('hidden_dims', hidden_dims),
                         t['num_classes'], act_cfg, dropout)
            for t in self.tasks)
        self.category_index = None
        if value_masks:
            if schema is None:
                raise ValueError('value_masks=True needs `schema_file`')
            self._set_value_masks(schema)
        elif mask_loss or mask_with_gt_category:
            raise ValueError('mask_loss / mask_with_gt_category need '
                             'value_masks=True')

    def _task(self, name):
        for task in self.tasks:
            if task['name'] == name:
                return task
        raise KeyError(f'unknown task {name!r}')

    @staticmethod
    def _parse_task(task: dict) -> dict:
        task = dict(task)
        if 'num_classes' not in task:
            task['num_classes'] = len(task['classes'])
        task.setdefault('multi_label', True)
        task.setdefault('loss_weight', 1.0)
        return task

    @staticmethod
    def _branch(in_channels, hidden_dims, num_classes, act_cfg, dropout):
        layers, width = [], in_channels
        for dim in hidden_dims:
            layers += [nn.Linear(width, dim), build_activation_layer(act_cfg)]
            width = dim
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(width, num_classes))
        return nn.Sequential(*layers)

    def _set_value_masks(self, schema):
        if schema.category_task is None:
            raise ValueError(f'value_masks=True: {schema.source} has no '
                             'categories to mask by')
        expected = [(t['name'], len(t['classes'])) for t in schema.tasks]
        actual = [(t['name'], t['num_classes']) for t in self.tasks]
        if expected != actual:
            raise ValueError(f'head tasks {actual} differ from the tasks of '
                             f'{schema.source}: {expected}')
        names = [t['name'] for t in self.tasks]
        self.category_index = names.index(schema.category_task)
        self.register_buffer('allowed', torch.from_numpy(
            schema.allowed_mask()), persistent=False)

    @property
    def signature(self) -> List[dict]:
        """Tasks, values and multi-label flags (:func:`task_signature`)."""
        return task_signature(self.tasks)

    def get_extra_state(self) -> torch.Tensor:
        """The signature as UTF-8 JSON bytes: a tensor, so that mmengine's
        checkpoint writer (``weights_to_cpu``) and weights-only loading take
        it like any buffer."""
        text = json.dumps(self.signature, separators=(',', ':'))
        return torch.tensor(list(text.encode('utf-8')), dtype=torch.uint8)

    def set_extra_state(self, state) -> None:
        """Refuse a checkpoint whose tasks differ from this head's."""
        try:
            theirs = json.loads(bytes(state.tolist()).decode('utf-8'))
        except (AttributeError, TypeError, ValueError) as e:
            raise ValueError('the checkpoint\'s head._extra_state is not a '
                             f'task signature: {e}') from e
        diff = first_difference(theirs, self.signature,
                                ('the checkpoint', self.schema_source))
        if diff:
            raise ValueError('the checkpoint was trained on other attribute '
                             f'tasks than the head\'s: {diff}')

    def check_targets(self, gt: torch.Tensor) -> None:
        """Targets as wide as the head's outputs (a dataset built from
        another schema otherwise trains on shifted columns)."""
        if gt.shape[1] != self.num_classes:
            raise ValueError(
                f'targets have {gt.shape[1]} values per sample, the head '
                f'{self.num_classes} ({self.schema_source}): the dataset and '
                'model.head use different schemas; give both the same '
                'schema_file')

    def pre_logits(self, feats):
        """The fused vector: last of the neck's outputs."""
        return feats[-1]

    def forward(self, feats) -> torch.Tensor:
        """Logits of all tasks, concatenated: ``(N, num_classes)``."""
        x = self.pre_logits(feats)
        return torch.cat([branch(x) for branch in self.branches], dim=1)

    def _targets(self, data_samples, device):
        if 'gt_attr' not in data_samples[0]:
            raise KeyError(
                "data samples carry no 'gt_attr': end the pipeline with "
                "dict(type='PackInputs', algorithm_keys=('gt_attr', "
                "'gt_attr_mask')) (mmpretrain's PackInputs drops other keys)")
        gt = torch.from_numpy(np.stack(
            [np.asarray(s.gt_attr) for s in data_samples])).to(device)
        labelled = torch.from_numpy(np.stack(
            [np.asarray(s.gt_attr_mask) for s in data_samples])).to(device)
        return gt.float(), labelled.bool()

    def _gt_category(self, gt, labelled) -> torch.Tensor:
        """Labelled category index per sample, -1 where missing."""
        i = self.category_index
        return torch.where(labelled[:, i], gt[:, self.slices[i]].argmax(1),
                           -1)

    def _allowed_for(self, category: torch.Tensor) -> torch.Tensor:
        """Allowed-value rows for category indices (-1: all allowed)."""
        rows = self.allowed[category.clamp(min=0)]
        return rows | (category < 0)[:, None]

    def loss(self, feats, data_samples: List[DataSample], **kwargs) -> dict:
        # float32 reductions: under fp16 autocast the mask-weight sum over
        # batch x values overflows 65504 and the loss silently becomes 0
        logits = self(feats).float()
        gt, labelled = self._targets(data_samples, logits.device)
        self.check_targets(gt)
        allowed = None
        if self.mask_loss:
            allowed = self._allowed_for(self._gt_category(gt, labelled))
        losses = {}
        for i, (task, sl) in enumerate(zip(self.tasks, self.slices)):
            if self.active_tasks is not None and \
                    task['name'] not in self.active_tasks:
                continue
            weight = labelled[:, i].float()
            task_logits, target = logits[:, sl], gt[:, sl]
            if task['sigmoid']:
                elem = F.binary_cross_entropy_with_logits(
                    task_logits, target, reduction='none')
                w = weight[:, None].expand_as(elem)
                if allowed is not None:
                    w = w * allowed[:, sl]
                loss = (elem * w).sum() / w.sum().clamp(min=1)
            else:
                if allowed is not None:
                    task_logits = task_logits.masked_fill(
                        ~allowed[:, sl], -1e4)
                per_sample = F.cross_entropy(
                    task_logits, target.argmax(1), reduction='none')
                loss = (per_sample * weight).sum() / weight.sum().clamp(min=1)
            losses[f'loss_{task["name"]}'] = loss * task['loss_weight']
        return losses

    def scores(self, logits: torch.Tensor,
               category: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Per-task sigmoid/softmax scores, disallowed values set to 0.

        Args:
            category: known category index per sample (-1 where unknown, then
                the predicted category is used).
        """
        scores = torch.cat([
            logits[:, sl].sigmoid() if t['sigmoid'] else
            logits[:, sl].softmax(dim=1)
            for t, sl in zip(self.tasks, self.slices)
        ], dim=1)
        if self.category_index is not None:
            predicted = scores[:, self.slices[self.category_index]].argmax(1)
            if category is not None:
                predicted = torch.where(category >= 0, category, predicted)
            scores = scores * self._allowed_for(predicted)
        return scores

    def predict(self, feats, data_samples=None) -> List[DataSample]:
        """Score every task for every sample, labelled or not."""
        logits = self(feats).float()  # scores leave as float32 under AMP
        category = None
        if (self.mask_with_gt_category and data_samples is not None
                and all('gt_attr' in s for s in data_samples)):
            category = self._gt_category(
                *self._targets(data_samples, logits.device))
        scores = self.scores(logits, category).detach()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.size(0))]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score).set_pred_label(
                self.labels_from_scores(score))
        return data_samples

    def labels_from_scores(self, score: torch.Tensor) -> torch.Tensor:
        """Flat indices of predicted values: above threshold (multi-label
        tasks) or the top value (single-label tasks)."""
        labels = []
        for task, sl in zip(self.tasks, self.slices):
            task_score = score[sl]
            if task['multi_label']:
                threshold = threshold_for(self.thresholds, task['name'])
                labels.append(torch.nonzero(
                    task_score >= threshold).flatten() + sl.start)
            elif task_score.max() > 0:  # 0: not applicable (value masks)
                labels.append(task_score.argmax().view(1) + sl.start)
        return torch.cat(labels) if labels else score.new_zeros(
            0, dtype=torch.long)
