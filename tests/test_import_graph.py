"""The package imports without loops: a static check of every import
statement (module level and inside functions) in ``mmfashion_attr/``."""
import ast
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = 'mmfashion_attr'


def package_modules(root: Path = ROOT, package: str = PACKAGE) -> Dict[str, Path]:
    """Dotted name -> file for every module of ``package`` (``__init__``
    files named after their package)."""
    modules = {}
    for path in sorted((root / package).rglob('*.py')):
        parts = list(path.relative_to(root).with_suffix('').parts)
        if parts[-1] == '__init__':
            parts.pop()
        modules['.'.join(parts)] = path
    return modules


def _targets(node: ast.AST, module: str, is_package: bool,
             modules: Dict[str, Path]) -> List[str]:
    """Package modules that one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split('.')
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        source = '.'.join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ''
    names = [f'{source}.{a.name}' for a in node.names]
    return [source] + [n for n in names if n in modules]


def import_graph(modules: Dict[str, Path]) -> Dict[str, Set[str]]:
    """module -> the package modules it makes Python execute.

    Importing ``a.b.c`` runs ``a/__init__``, ``a/b/__init__`` and ``a/b/c``;
    the importer's own enclosing packages are already running, so they are
    not edges.
    """
    graph = {}
    for module, path in modules.items():
        is_package = path.name == '__init__.py'
        own = {'.'.join(module.split('.')[:i])
               for i in range(1, module.count('.') + 1 + is_package)}
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _targets(node, module, is_package, modules):
                parts = target.split('.')
                for i in range(1, len(parts) + 1):
                    prefix = '.'.join(parts[:i])
                    if prefix in modules and prefix not in own \
                            and prefix != module:
                        edges.add(prefix)
        graph[module] = edges
    return graph


def import_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle_inside_the_package():
    modules = package_modules()
    assert f'{PACKAGE}.datasets.synthfashion.generator' in modules
    cycles = import_cycles(import_graph(modules))
    assert cycles == [], 'import loops: ' + '; '.join(
        ' <-> '.join(c) for c in cycles)


def test_the_checker_sees_a_loop_through_a_function_level_import(tmp_path):
    pkg = tmp_path / 'loopy'
    (pkg / 'sub').mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'sub' / '__init__.py').write_text('from .a import f\n')
    (pkg / 'sub' / 'a.py').write_text(
        'def f():\n    from .b import g\n    return g\n')
    (pkg / 'sub' / 'b.py').write_text('from .a import f\n\ng = 1\n')
    (pkg / 'c.py').write_text('from .sub import f\n')
    graph = import_graph(package_modules(tmp_path, 'loopy'))
    assert graph['loopy.c'] == {'loopy.sub'}
    assert import_cycles(graph) == [['loopy.sub.a', 'loopy.sub.b']]


def test_a_loop_through_a_package_init_is_seen(tmp_path):
    pkg = tmp_path / 'loopy'
    for sub in ('x', 'y'):
        (pkg / sub).mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'x' / '__init__.py').write_text('from .m import M\n')
    (pkg / 'x' / 'm.py').write_text('from ..y.n import N\nM = N\n')
    (pkg / 'y' / '__init__.py').write_text('from .n import N\n')
    (pkg / 'y' / 'n.py').write_text(
        'N = 1\n\ndef k():\n    from ..x.m import M\n')
    cycles = import_cycles(import_graph(package_modules(tmp_path, 'loopy')))
    assert cycles == [['loopy.x', 'loopy.x.m', 'loopy.y', 'loopy.y.n']]


def test_the_package_imports_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, '-c', f'import {PACKAGE}'],
                         cwd=osp.dirname(ROOT), capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
