"""What a model's attribute output means: per task its name, its values (or
only their number) and whether several may hold. Compared between a head
and its dataset, and between a checkpoint and the head loading it, so that
no target or score is read from another task's columns."""
from typing import List, Optional, Tuple


def task_signature(tasks: List[dict]) -> List[dict]:
    """``dict(name, classes | num_classes, multi_label)`` per task."""
    signature = []
    for task in tasks:
        entry = dict(name=str(task['name']),
                     multi_label=bool(task.get('multi_label', True)))
        if task.get('classes') is not None:
            entry['classes'] = [str(c) for c in task['classes']]
        else:
            entry['num_classes'] = int(task['num_classes'])
        signature.append(entry)
    return signature


def _size(entry: dict) -> int:
    return len(entry['classes']) if 'classes' in entry \
        else entry['num_classes']


def first_difference(a: List[dict], b: List[dict],
                     names: Tuple[str, str] = ('a', 'b')) -> Optional[str]:
    """The first difference between signatures ``a`` and ``b`` in words,
    calling them ``names`` (None: they agree). Value names are compared
    only where both sides have them."""
    na, nb = names
    for i, (x, y) in enumerate(zip(a, b)):
        if x['name'] != y['name']:
            return f'task {i} is {x["name"]!r} in {na}, {y["name"]!r} in {nb}'
        where = f'task {i} ({x["name"]!r})'
        if _size(x) != _size(y):
            return (f'{where} has {_size(x)} values in {na}, {_size(y)} in '
                    f'{nb}')
        for j, (u, v) in enumerate(zip(x.get('classes', []),
                                       y.get('classes', []))):
            if u != v:
                return f'{where} value {j} is {u!r} in {na}, {v!r} in {nb}'
        if x['multi_label'] != y['multi_label']:
            single = na if y['multi_label'] else nb
            return f'{where} is single-label in {single} only'
    if len(a) != len(b):
        extra, who = (a, na) if len(a) > len(b) else (b, nb)
        return (f'{len(a)} tasks in {na}, {len(b)} in {nb} (the first extra '
                f'one, in {who}: {extra[min(len(a), len(b))]["name"]!r})')
    return None
