"""mmfashion_attr/utils/distributed.py: the end of a distributed run."""
import torch.distributed as dist

from mmfashion_attr.utils import end_distributed


def test_end_distributed_destroys_the_process_group(tmp_path):
    """tools/train.py, test.py and infer_catalog.py end with it; without
    it a rank of the two-process test once aborted at exit."""
    end_distributed()  # nothing to end: no error
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    try:
        end_distributed()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
