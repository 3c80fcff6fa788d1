"""The wheel, installed into a fresh virtual environment on top of the
pinned stack, used from a folder outside the repository as another
project would: its configs (under ``mmfashion_attr/.mim``) inherited by a
user's config and trained and tested one iteration with mmpretrain's and
mmdet's own tools (through ``mim``), and ``mim search mmfashion_attr``
listing the model index.

The wheel is built as ``python -m build`` does, from a source
distribution (``setup.py sdist``, then ``pip wheel --no-deps
--no-build-isolation`` on it) of a copy of the sources (no stale
``build/`` of the checkout gets in); the
environment (``venv --without-pip``) sees the running interpreter's
site-packages through a ``.pth`` file, after its own, so the stack (torch,
mmengine, mmpretrain, mmdet, mim, pip) is the pinned one while
``mmfashion_attr`` is the wheel's. A ``.pth`` line only adds a folder to
``sys.path``: the checkout's editable-install hook in that folder does not
run.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest
import yaml

from tests.helpers.tiny_config import ROOT

SOURCES = ('setup.py', 'MANIFEST.in', 'README.md', 'model-index.yml',
           'requirements', 'mmfashion_attr', 'configs', 'tools')
DEMO = 'demo/synthfashion_effv2atto_fpn_cbam.py'
DETECTOR = 'attr_mask_rcnn/attr-mask-rcnn_r18_fpn_synthfashion.py'
ENV = 'MMFASHION_ATTR_CONFIGS'


def _run(cmd, cwd, env, stdout=False, timeout=600):
    """Output (stdout and stderr; only stdout when ``stdout``) of ``cmd``,
    which must succeed."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{cmd} failed ({proc.returncode}):\n' \
        f'{out[-4000:]}'
    return proc.stdout if stdout else out


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(python of the fresh environment, environment variables, a folder
    outside the repository, the installed package's folder, the wheel)."""
    base = tmp_path_factory.mktemp('wheel')
    assert not str(base).startswith(ROOT + os.sep)
    src = base / 'src'
    src.mkdir()
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info')
    for name in SOURCES:
        path = osp.join(ROOT, name)
        if osp.isdir(path):
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy(path, src / name)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'PYTHONHOME', ENV)}
    # as `python -m build` does: a source distribution (MANIFEST.in), then
    # the wheel from it (setup.py's build_py fills mmfashion_attr/.mim)
    _run([sys.executable, 'setup.py', '-q', 'sdist', '-d',
          str(base / 'sdist')], cwd=str(src), env=env)
    [sdist] = os.listdir(base / 'sdist')
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '-q', '-w', str(base / 'dist'),
          str(base / 'sdist' / sdist)], cwd=str(base), env=env)
    [wheel] = os.listdir(base / 'dist')
    assert wheel.startswith('mmfashion_attr-') and wheel.endswith('.whl')

    venv = base / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)],
         cwd=str(base), env=env)
    python = str(venv / 'bin' / 'python')
    site = _run([python, '-c', 'import sysconfig; '
                 "print(sysconfig.get_paths()['purelib'])"],
                cwd=str(base), env=env, stdout=True).strip()
    stack = dict.fromkeys(sysconfig.get_paths()[k]
                          for k in ('purelib', 'platlib'))
    with open(osp.join(site, '_pinned_stack.pth'), 'w') as f:
        f.write(''.join(p + '\n' for p in stack))
    _run([python, '-m', 'pip', 'install', '--no-deps', '--no-index', '-q',
          str(base / 'dist' / wheel)], cwd=str(base), env=env)

    work = base / 'project'
    work.mkdir()
    # the configs folder, from the installed package itself (so the
    # wheel's mmfashion_attr is the one imported, not the checkout's)
    out = _run([python, '-m', 'mmfashion_attr.config_files'],
               cwd=str(work), env=env, stdout=True).strip()
    package = osp.join(site, 'mmfashion_attr')
    assert out == osp.join(package, '.mim', 'configs')
    return (python, dict(env, **{ENV: out}), work, package,
            base / 'dist' / wheel)


def test_wheel_carries_configs_tools_and_index(installed):
    _, _, _, package, wheel = installed
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert f'mmfashion_attr/.mim/configs/{DEMO}' in names
    assert not any('__pycache__' in n or n.endswith('.jsonl') for n in names)
    mim = osp.join(package, '.mim')
    for rel in (DEMO, DETECTOR, 'demo/metafile.yml',
                '_base_/default_runtime.py'):
        assert osp.isfile(osp.join(mim, 'configs', rel)), rel
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
    assert not osp.exists(osp.join(mim, 'configs', 'demo', 'results'))
    with open(osp.join(ROOT, 'model-index.yml')) as a, \
            open(osp.join(mim, 'model-index.yml')) as b:
        assert a.read() == b.read()


def test_mim_search_lists_the_model_index(installed):
    python, env, work, _, _ = installed
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    names = set()
    for rel in metafiles:
        with open(osp.join(ROOT, rel)) as f:
            names |= {m['Name'] for m in yaml.safe_load(f)['Models']}
    listed = _run([python, '-c', 'import json; from mim import '
                   'get_model_info; print(json.dumps(get_model_info('
                   "'mmfashion_attr', to_dict=True)))"],
                  cwd=str(work), env=env, stdout=True)
    listed = json.loads(listed)
    assert set(listed) == names
    demo = listed['synthfashion_effv2atto_fpn_cbam_demo_seeds']
    assert demo['config'] == f'configs/{DEMO}'
    assert demo['synthfashion/seeds'] == 5
    out = _run([python, '-m', 'mim', 'search', 'mmfashion_attr',
                '--model', 'attribute mask r-cnn', '--field', 'config'],
               cwd=str(work), env=env)
    assert 'config id: attr-mask-rcnn_r50_fpn_1x_fashionpedia\n' in out
    assert 'synthfashion_effv2atto' not in out  # another collection's


def _base(rel):
    return f"_base_ = '{{{{${ENV}:}}}}/{rel}'\n"


CLASSIFIER = '''data_root = {root!r}
image_size = 64
pack = dict(type='PackInputs', algorithm_keys=('gt_attr', 'gt_attr_mask'))
pipeline = [
    dict(type='LoadFashionImage', draft_size=image_size),
    dict(type='ResizeEdge', scale=image_size, edge='long'),
    dict(type='Pad', size=(image_size, image_size), pad_val=255),
    pack,
]
model = dict(head=dict(schema_file=data_root + '/schema.json',
                       hidden_dims=(16, )))
loader = dict(num_workers=0, persistent_workers=False,
              dataset=dict(data_root=data_root, pipeline=pipeline))
train_dataloader = dict(batch_size=24, **loader)  # one iteration
val_dataloader = dict(batch_size=8, **loader)
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(T_max=1)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
'''


def test_classifier_by_configs_folder_with_mmpretrain_tools(
        installed, synth_root):
    python, env, work, _, _ = installed
    config = work / 'my_classifier.py'
    config.write_text(_base(DEMO) + CLASSIFIER.format(root=synth_root))
    wdir = str(work / 'classifier')
    out = _run([python, '-m', 'mim', 'train', 'mmpretrain', config.name,
                '--work-dir', wdir], cwd=str(work), env=env)
    tools = osp.join('mmpretrain', '.mim', 'tools')
    assert osp.join(tools, 'train.py') in out  # mmpretrain's own
    assert 'Epoch(train) [1][1/1]' in out
    ckpt = osp.join(wdir, 'epoch_1.pth')
    out = _run([python, '-m', 'mim', 'test', 'mmpretrain', config.name,
                '--checkpoint', ckpt, '--work-dir', str(work / 'test')],
               cwd=str(work), env=env)
    assert osp.join(tools, 'test.py') in out
    assert 'attr/mean_f1_micro' in out



DETECTOR_TINY = '''data_root = {root!r}
model = dict(train_cfg=dict(rpn_proposal=dict(max_per_img=32),
                            rcnn=dict(sampler=dict(num=16))),
             test_cfg=dict(rpn=dict(max_per_img=32)))
loader = dict(num_workers=0, persistent_workers=False,
              dataset=dict(data_root=data_root))
train_dataloader = dict(batch_size=4, **loader)  # one iteration
val_dataloader = loader
test_dataloader = loader
val_evaluator = dict(ann_file=data_root + 'instances_val.json')
test_evaluator = dict(ann_file=data_root + 'instances_test.json')
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False,
                        begin=0, end=100)]
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
'''


def test_detector_by_configs_folder_with_mmdet_tools(installed, tmp_path):
    from mmfashion_attr.datasets.synthfashion import generate
    python, env, work, _, _ = installed
    data = tmp_path / 'instances'
    generate(str(data), num_train=4, num_val=2, size=64, seed=0,
             num_test=2, instances=True)
    config = work / 'my_detector.py'
    config.write_text(_base(DETECTOR) +
                      DETECTOR_TINY.format(root=f'{data}/'))
    wdir = str(work / 'detector')
    out = _run([python, '-m', 'mim', 'train', 'mmdet', config.name,
                '--work-dir', wdir], cwd=str(work), env=env)
    tools = osp.join('mmdet', '.mim', 'tools')
    assert osp.join(tools, 'train.py') in out  # mmdet's own
    assert 'Epoch(train) [1][1/1]' in out and 'loss_attr' in out
    out = _run([python, '-m', 'mim', 'test', 'mmdet', config.name,
                '--checkpoint', osp.join(wdir, 'epoch_1.pth'),
                '--work-dir', str(work / 'detector_test')],
               cwd=str(work), env=env)
    assert osp.join(tools, 'test.py') in out
    assert 'fashionpedia/segm_attr_f1' in out
