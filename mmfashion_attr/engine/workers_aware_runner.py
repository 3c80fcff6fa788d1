"""mmengine's Runner whose data loaders accept ``num_workers=0`` under a
config that asks for persistent workers."""
import copy

from mmengine.logging import print_log
from mmengine.runner import Runner
from mmpretrain.registry import RUNNERS


@RUNNERS.register_module()
class WorkersAwareRunner(Runner):
    """``Runner`` that turns ``persistent_workers`` off for a loader without
    workers, where PyTorch's ``DataLoader`` raises "persistent_workers
    option needs num_workers > 0".

    Our configs keep persistent workers on (faster epochs), and upstream
    ``tools/train.py`` adds ``persistent_workers=True`` to every loader, so
    ``--cfg-options test_dataloader.num_workers=0`` (debugging, a machine
    without shared memory) failed with the stock mmpretrain / mmdet tools;
    they build this runner from the config's ``runner_type``.
    """

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        if isinstance(dataloader, dict) and \
                dataloader.get('persistent_workers') and \
                not dataloader.get('num_workers', 0):
            dataloader = copy.copy(dataloader)
            dataloader['persistent_workers'] = False
            print_log('num_workers=0: persistent_workers turned off',
                      logger='current')
        return Runner.build_dataloader(dataloader, seed=seed,
                                       diff_rank_seed=diff_rank_seed)
