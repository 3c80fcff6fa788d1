"""RequireLoadFromHook: a fine-tuning run without a loaded checkpoint stops
with an error saying what to give; with one (or resuming) it trains."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

import mmfashion_attr  # noqa: F401


class Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x, mode='loss'):
        return dict(loss=self.fc(torch.stack(x)).pow(2).mean())


def runner(work_dir, load_from=None, resume=False):
    return Runner(
        model=Toy(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=[dict(x=torch.ones(2))] * 4,
                              batch_size=2,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False),
                              collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        custom_hooks=[dict(type='mmdet.RequireLoadFromHook',
                           what='COCO weights')],
        default_hooks=dict(logger=None, checkpoint=dict(
            type='CheckpointHook', interval=1)),
        load_from=load_from, resume=resume)


def test_refuses_to_train_without_a_checkpoint(tmp_path):
    with pytest.raises(RuntimeError, match='COCO weights.*load_from=PATH'):
        runner(tmp_path / 'a').train()


def test_trains_from_a_loaded_or_resumed_checkpoint(tmp_path):
    ckpt = tmp_path / 'start.pth'
    torch.save(dict(state_dict=Toy().state_dict()), ckpt)
    runner(tmp_path / 'b', load_from=str(ckpt)).train()
    assert (tmp_path / 'b' / 'epoch_1.pth').exists()
    runner(tmp_path / 'b', resume=True).train()  # resumes epoch_1.pth
