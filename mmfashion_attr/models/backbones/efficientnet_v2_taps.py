"""EfficientNetV2 feature taps for the multi-scale neck (Parekh & Shaik 2023, 4.1.3).

mmpretrain's ``EfficientNetV2`` with ``out_indices`` still builds and runs the
layers after the last tap. With the paper's taps (3, 5, 7) of arch ``m``
(block3e / block5n / block7e) the final 1x1 conv to 1280 channels would run
for nothing and hold parameters without gradients, which breaks DDP
(unused parameters). This subclass drops the layers after the last tap;
checkpoints of the full network still load (the extra keys are ignored).
"""
from mmpretrain.models.backbones import EfficientNetV2
from mmpretrain.registry import MODELS


@MODELS.register_module()
class EfficientNetV2Taps(EfficientNetV2):
    """``EfficientNetV2`` truncated after ``max(out_indices)``.

    For arch ``m`` at 380x380: index 3 -> 80x48x48, 5 -> 176x24x24,
    7 -> 512x12x12, 8 (the final conv, the baseline) -> 1280x12x12.

    Adds arch ``atto``: B0's stage layout with fewer blocks and channels
    (taps 3 / 5 / 6 -> 32, 80, 128 channels at strides 8 / 16 / 32), small
    enough to train from scratch on a CPU for the demo.
    """
    arch_settings = {
        **EfficientNetV2.arch_settings,
        # blocks, kernel, stride, expand, in, out, se ratio, block type
        'atto': [[1, 3, 1, 1, 16, 16, 0.0, -1],
                 [1, 3, 2, 4, 16, 24, 0.0, 0],
                 [2, 3, 2, 4, 24, 32, 0.0, 0],
                 [2, 3, 2, 4, 32, 64, 0.25, 1],
                 [2, 3, 1, 6, 64, 80, 0.25, 1],
                 [2, 3, 2, 6, 80, 128, 0.25, 1],
                 [1, 1, 1, 1, 128, 640, 0.0, -2]],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.layers[max(self.out_indices) + 1:]
