# Runtime shared by all configs (mmpretrain's default_runtime, plus the plugin).
custom_imports = dict(imports=['mmfashion_attr'], allow_failed_imports=False)
default_scope = 'mmpretrain'
# mmengine's Runner, but num_workers=0 (e.g. from --cfg-options) turns the
# configs' persistent_workers off instead of failing in PyTorch
runner_type = 'mmpretrain.WorkersAwareRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='attr/mean_f1_micro', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # pred_label (--out, --show-dir) uses the evaluator's thresholds
    sync_thresholds=dict(type='SyncThresholdsHook'),
    # the datasets' attribute tasks must be model.head's (else an error)
    task_schema_check=dict(type='TaskSchemaCheckHook'),
)
# GPU runs: `--cfg-options custom_hooks.0.enabled=True` for channels_last
# (with `--amp` for mixed precision).
custom_hooks = [dict(type='ChannelsLastHook', enabled=False)]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# torch.compile of train_step (mmengine): `--cfg-options compile=True`, or a
# dict of torch.compile options; no graph breaks in our model code
# (tools/analysis_tools/graph_breaks.py)
compile = False
vis_backends = [dict(type='LocalVisBackend')]
# attribute panel beside an upscaled image (mmfashion_attr.visualization);
# VisualizationHook passes the model inputs, BGR (data_preprocessor to_rgb)
visualizer = dict(type='AttributeClsVisualizer', vis_backends=vis_backends,
                  channel_order='bgr')
log_level = 'INFO'
load_from = None
# load_from / resume / test checkpoints must fit the model (all keys, shapes
# and attribute schema); True loads the keys that fit (fine-tuning)
allow_partial_load = False
resume = False
randomness = dict(seed=None, deterministic=False)
