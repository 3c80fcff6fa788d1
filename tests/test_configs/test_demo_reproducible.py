"""The demo's seed gives one model: the demo config (seeded flips, pinned
threads) trained on tiny images with 1 caller thread and no workers, then
with 3 caller threads and 2 workers, ends with equal weights and metrics."""
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tests.helpers.tiny_config import DEMO

SIZE = 32


def tiny_demo(data_root, workers, work_dir):
    """The demo config on ``data_root`` at SIZE px; the train pipeline is
    the demo's (its random flip inside SeededRandomness), resized."""
    cfg = Config.fromfile(DEMO)
    seeded = cfg.train_dataloader.dataset.pipeline[0]
    assert seeded.type == 'SeededRandomness', 'the demo seeds its flips'
    for t in seeded.transforms + cfg.test_dataloader.dataset.pipeline:
        if t.type == 'LoadFashionImage':
            t.draft_size = SIZE
        elif t.type == 'ResizeEdge':
            t.scale = SIZE
        elif t.type == 'Pad':
            t.size = (SIZE, SIZE)
    for split in ('train', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(num_workers=workers, persistent_workers=workers > 0,
                      batch_size=8)
        loader.dataset.data_root = str(data_root)
    cfg.model.head.update(schema_file=f'{data_root}/schema.json',
                          hidden_dims=(16, ))
    cfg.model.head.dropout = 0.2  # torch's RNG in the main process too
    cfg.train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=10)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler.T_max = 2
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10)
    cfg.work_dir = str(work_dir)
    return cfg


def train_and_test(cfg, caller_threads):
    before = torch.get_num_threads()
    torch.set_num_threads(caller_threads)
    try:
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
        assert torch.get_num_threads() == caller_threads  # restored
    finally:
        torch.set_num_threads(before)
    weights = {k: v.clone() for k, v in runner.model.state_dict().items()}
    return weights, metrics


def test_same_model_with_other_threads_and_workers(synth_root, tmp_path):
    a, metrics_a = train_and_test(tiny_demo(synth_root, 0, tmp_path / 'a'), 1)
    b, metrics_b = train_and_test(tiny_demo(synth_root, 2, tmp_path / 'b'), 3)
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, f'{len(differ)} tensors differ, e.g. {differ[0]}'
    assert metrics_a == metrics_b
