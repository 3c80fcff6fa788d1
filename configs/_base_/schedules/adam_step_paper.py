# Parekh & Shaik 2023, 5.2: Adam, lr 1e-5, x0.75 every 8 epochs, batch 128.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-5))
param_scheduler = dict(type='StepLR', by_epoch=True, step_size=8, gamma=0.75)
# epoch-based; resumed runs (also from mid-epoch checkpoints) repeat the
# uninterrupted run exactly (mmfashion_attr/engine/exact_resume_loop.py)
train_cfg = dict(type='ExactResumeEpochBasedTrainLoop', max_epochs=40,
                 val_interval=1)
val_cfg = dict()
test_cfg = dict()
# The paper's total batch is 128: `--auto-scale-lr` rescales lr for others.
auto_scale_lr = dict(base_batch_size=128, enable=False)
