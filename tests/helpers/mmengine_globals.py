"""mmengine's global instances (DefaultScope, MMLogger, MessageHub,
Visualizer) made since a snapshot, dropped again: a Runner registers them
under a timestamp name, and a second Runner made in the same second (a
test's next tool call, or the next test) would reuse them, log file
included."""
import logging


def manager_classes() -> list:
    """Every mmengine ManagerMixin subclass loaded so far (DefaultScope,
    MMLogger, MessageHub, Visualizer and its subclasses)."""
    from mmengine.utils import ManagerMixin
    todo, seen = [ManagerMixin], []
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def snapshot() -> dict:
    """class -> its instances now (name -> instance)."""
    return {cls: dict(cls._instance_dict) for cls in manager_classes()}


def purge(before: dict) -> None:
    """Drop the instances made since ``before`` and loggers whose log file
    is closed (kept current, the next ``init_weights`` writes to it).

    Args:
        before (dict): A :func:`snapshot`.
    """
    from mmengine.utils import manager
    with manager._lock:
        for cls in manager_classes():
            kept = before.get(cls, {})
            for name, inst in list(cls._instance_dict.items()):
                files = [h for h in getattr(inst, 'handlers', ())
                         if isinstance(h, logging.FileHandler)]
                if name in kept and all(h.stream for h in files):
                    continue
                for h in files:
                    h.close()
                cls._instance_dict.pop(name, None)
