"""Where this package's configs are, to inherit them from another project.

An installed copy (a wheel, ``pip install .``) carries ``configs/``,
``tools/`` and ``model-index.yml`` under ``mmfashion_attr/.mim/``, as
mmpretrain and mmdet do (``setup.py``); a source checkout or an editable
install has them in the checkout. This module finds either.

Why not ``_base_ = 'mmfashion_attr::demo/...py'``: mmengine 0.10.7 resolves
``scope::path`` only for the scopes in its own table
(``mmengine.config.utils.MODULE2PACKAGE``: mmdet, mmpretrain, ...), so any
other scope stops at ``AssertionError: mmengine does not support to load
mmfashion_attr config``, before a config or a custom import could help.
And were the scope known, mmengine would stamp ``_scope_='mmfashion_attr'``
on every inherited object, while this plugin registers into mmpretrain's
and mmdet's registries and has none of its own. The form that works with
every stock tool is mmengine's environment-variable substitution, with the
variable set from this module::

    export MMFASHION_ATTR_CONFIGS=$(python -m mmfashion_attr.config_files)
    # in your config:
    _base_ = '{{$MMFASHION_ATTR_CONFIGS:}}/demo/synthfashion_effv2atto_fpn_cbam.py'

and, from Python, ``Config.fromfile(config_path('demo/...py'))``.
"""
import argparse
import os.path as osp
from typing import Optional

from .errors import UserValueError

PACKAGE_DIR = osp.dirname(osp.abspath(__file__))
ENV = 'MMFASHION_ATTR_CONFIGS'  # the variable the docs' configs read
SCOPE = 'mmfashion_attr::'


def mim_dir() -> Optional[str]:
    """``mmfashion_attr/.mim`` of an installed copy, or None (a source
    checkout or an editable install has none)."""
    path = osp.join(PACKAGE_DIR, '.mim')
    return path if osp.isdir(path) else None


def _root_file(name: str) -> str:
    """``name`` (``configs``, ``tools``, ``model-index.yml``) in the
    installed ``.mim`` folder, else in the checkout holding the package."""
    if mim_dir() is not None:
        path = osp.join(mim_dir(), name)
    else:
        path = osp.join(osp.dirname(PACKAGE_DIR), name)
    if not osp.exists(path):
        raise FileNotFoundError(
            f'{path} not found: this copy of mmfashion_attr carries no '
            f'{name} (an installed copy has them under mmfashion_attr/.mim '
            'when built by its setup.py; a checkout in its root)')
    return path


def configs_dir() -> str:
    """The folder of the shipped configs (``configs/`` of the repository)."""
    return _root_file('configs')


def model_index() -> str:
    """The shipped ``model-index.yml`` (OpenMMLab's model index)."""
    return _root_file('model-index.yml')


def config_path(name: str) -> str:
    """Absolute path of a shipped config, named as under ``configs/``
    (``'demo/synthfashion_effv2atto_fpn_cbam.py'``), with or without the
    ``mmfashion_attr::`` prefix or ``configs/``."""
    rel = name[len(SCOPE):] if name.startswith(SCOPE) else name
    rel = rel[len('configs/'):] if rel.startswith('configs/') else rel
    path = osp.join(configs_dir(), rel)
    if not osp.isfile(path):
        raise UserValueError(
            f'{name!r}: no such config in {configs_dir()} (name it as under '
            "the repository's configs/, e.g. "
            "'demo/synthfashion_effv2atto_fpn_cbam.py')")
    return path


def main():
    parser = argparse.ArgumentParser(
        description='Print the folder of the shipped configs (for '
        f'{ENV}), or the path of one config.')
    parser.add_argument('config', nargs='?',
                        help='a config as under configs/, e.g. '
                        'demo/synthfashion_effv2atto_fpn_cbam.py')
    args = parser.parse_args()
    print(config_path(args.config) if args.config else configs_dir())


if __name__ == '__main__':
    from .utils.cli import run_main
    run_main(main)
