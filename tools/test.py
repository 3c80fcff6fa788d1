"""Test a checkpoint: mmpretrain's tools/test.py behaviour, with mmfashion_attr registered.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl]
                         [--out-item pred|metrics] [--show-dir DIR] [--tta]
                         [--cfg-options k=v ...] [--launcher pytorch|slurm|mpi]
"""
import argparse
import os
import os.path as osp
from copy import deepcopy

import mmengine
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

import mmfashion_attr  # noqa: F401  registers modules, checkpoint loading fix
from mmfashion_attr.utils import (end_distributed, prepare_distributed,
                                  set_dataloader_defaults)
from mmfashion_attr.utils.cli import UserValueError, run_main


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument('--out', help='the file to output results.')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='To output whether metrics or predictions. '
        'Defaults to output predictions.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision test')
    parser.add_argument(
        '--show-dir',
        help='directory where the visualization images will be saved.')
    parser.add_argument(
        '--show',
        action='store_true',
        help='whether to display the prediction results in a window.')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualize per interval samples.')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='display time of every window. (second)')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='load only the keys of the checkpoint that fit the model (fine-tuning '
        'from another model); by default a missing, unexpected or '
        'mis-shaped key or another attribute schema is an error')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='whether to disable the pin_memory option in dataloaders.')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='Whether to enable the Test-Time-Aug (TTA). If the config file '
        'has `tta_pipeline` and `tta_model` fields, use them to determine the '
        'TTA transforms and how to merge the TTA results. Otherwise, use flip '
        'TTA by averaging classification score.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge CLI arguments to config."""
    cfg.launcher = args.launcher
    # a config's allow_partial_load is for load_from when fine-tuning
    cfg.allow_partial_load = args.allow_partial
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        # The visualization hook saves/shows images with their predictions.
        vis = cfg.default_hooks.visualization
        if vis.get('type', '').endswith('DetVisualizationHook'):
            # mmdet's hook: draw / test_out_dir (under work_dir/timestamp
            # unless absolute), as mmdet's tools/test.py sets them
            vis.draw, vis.test_out_dir = True, args.show_dir
        else:
            vis.enable, vis.out_dir = True, args.show_dir
        vis.show = args.show
        vis.wait_time = args.wait_time
        vis.interval = args.interval
    if args.tta:
        if 'tta_model' not in cfg:
            # averaged scores, pred_label re-derived from them
            cfg.tta_model = dict(type='AverageAttrScoreTTA')
        if 'tta_pipeline' not in cfg:
            test_pipeline = cfg.test_dataloader.dataset.pipeline
            cfg.tta_pipeline = deepcopy(test_pipeline)
            flip_tta = dict(
                type='TestTimeAug',
                transforms=[
                    [
                        dict(type='RandomFlip', prob=1.),
                        dict(type='RandomFlip', prob=0.)
                    ],
                    [test_pipeline[-1]],
                ])
            cfg.tta_pipeline[-1] = flip_tta
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    if args.amp:
        cfg.test_cfg = cfg.get('test_cfg', dict())
        cfg.test_cfg.fp16 = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # after --cfg-options, so that e.g. num_workers=0 turns persistence off
    set_dataloader_defaults(cfg.test_dataloader, not args.no_pin_memory,
                            persistent_workers=False)
    return cfg


def main():
    args = parse_args()
    if args.out is None and args.out_item is not None:
        raise UserValueError(
            'Please use `--out` argument to specify the path of the output '
            'file before using `--out-item`.')
    cfg = prepare_distributed(merge_args(Config.fromfile(args.config), args))
    if 'runner_type' in cfg:
        from mmpretrain.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    if args.out and args.out_item in ['pred', None]:
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    end_distributed()


if __name__ == '__main__':
    run_main(main)
