"""Install mmfashion_attr; dependency pins are read from requirements/*.txt.

Like mmpretrain's and mmdet's ``add_mim_extension()``, a wheel (and a
non-editable ``pip install .``) carries ``configs/``, ``tools/`` and
``model-index.yml`` under ``mmfashion_attr/.mim/``, where mim (``mim
search / train / test``) and ``mmfashion_attr.config_files`` find them.
Unlike theirs, the copy is made by ``build_py`` into the build folder,
whatever command builds (``pip wheel``, ``python -m build``, ``pip
install .``), and nothing is written into the source tree; an editable
install has no ``.mim`` and reads the checkout's folders instead.
"""
import fnmatch
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))

# what goes into mmfashion_attr/.mim/: folder or file -> file patterns kept
# (results records stay in the repository: the model index quotes them)
MIM_FILES = {
    'configs': ('*.py', '*.yml', '*.md'),
    'tools': ('*.py', '*.sh'),
    'model-index.yml': None,
}


def add_mim_extension(target):
    """Copy ``MIM_FILES`` from the source tree into the folder ``target``
    (``<build_lib>/mmfashion_attr/.mim``), replacing what was there."""
    if osp.isdir(target):
        shutil.rmtree(target)
    os.makedirs(target)
    for name, patterns in MIM_FILES.items():
        src = osp.join(HERE, name)
        if not osp.exists(src):
            continue
        if patterns is None:
            shutil.copyfile(src, osp.join(target, name))
            continue

        def ignore(folder, names, patterns=patterns):
            return [n for n in names if n == '__pycache__' or (
                osp.isfile(osp.join(folder, n)) and not any(
                    fnmatch.fnmatch(n, p) for p in patterns))]

        shutil.copytree(src, osp.join(target, name), ignore=ignore)


class BuildPyWithMim(build_py):
    """``build_py`` that also fills ``mmfashion_attr/.mim`` in the build."""

    def run(self):
        super().run()
        if not getattr(self, 'editable_mode', False):
            add_mim_extension(
                osp.join(self.build_lib, 'mmfashion_attr', '.mim'))


def read_requirements(name):
    """Requirement lines of requirements/<name>.txt, comments dropped."""
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmfashion_attr', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmfashion_attr',
    version=read_version(),
    description='Fashion attribute extraction (Parekh & Shaik, VISAPP 2023) '
    'as an OpenMMLab mmpretrain plugin',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt') +
    read_requirements('mminstall.txt'),
    extras_require=dict(tests=read_requirements('tests.txt'),
                        deploy=read_requirements('deploy.txt'),
                        openvino=read_requirements('openvino.txt'),
                        pretrained=read_requirements('pretrained.txt'),
                        serve=read_requirements('serve.txt'),
                        audit=read_requirements('audit.txt')),
    license='Apache-2.0',
    cmdclass=dict(build_py=BuildPyWithMim),
    zip_safe=False,
)
