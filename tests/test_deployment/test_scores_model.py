"""ScoresModel moved as a plain module still moves its classifier's data
preprocessor (mmengine keeps that device apart from the parameters)."""
import torch

from tests.helpers.tiny_config import write_tiny_config


def test_moving_the_wrapper_moves_the_data_preprocessor(synth_root,
                                                        tmp_path):
    """On the GPU suite's run, exporting a model that had been on the GPU
    failed: ``ScoresModel(model).cpu()`` left the preprocessor casting
    inputs to CUDA. 'meta' stands in for the other device here."""
    from mmengine.config import Config
    from mmpretrain.apis import get_model

    from mmfashion_attr.deployment import ScoresModel
    cfg = Config.fromfile(write_tiny_config(tmp_path / 'tiny.py',
                                            synth_root))
    model = get_model(cfg)
    wrapper = ScoresModel(model).to('meta')
    assert next(model.parameters()).device.type == 'meta'
    assert model.data_preprocessor._device == torch.device('meta')
    inputs = model.data_preprocessor(dict(inputs=torch.zeros(
        1, 3, 8, 8, dtype=torch.uint8)), False)['inputs']
    assert inputs.device.type == 'meta'
    assert wrapper.classifier is model
