"""Install mmfashion_attr; dependency pins are read from requirements/*.txt."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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
                        pretrained=read_requirements('pretrained.txt'),
                        serve=read_requirements('serve.txt'),
                        audit=read_requirements('audit.txt')),
    license='Apache-2.0',
)
