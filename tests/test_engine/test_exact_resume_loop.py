"""Resuming with a scheduler whose end differs from the checkpoint's (the
first run had another max_epochs, so mmengine's default end differs) is
said: the schedule silently stops where the first run's did otherwise."""
from types import SimpleNamespace

from mmfashion_attr.engine import exact_resume_loop


def test_other_schedule_end_is_said(monkeypatch):
    said = []
    monkeypatch.setattr(exact_resume_loop, 'print_log',
                        lambda message, **kwargs: said.append(message))
    runner = SimpleNamespace(param_schedulers=[SimpleNamespace(end=2)])
    exact_resume_loop.warn_on_other_schedule_ends(
        runner, dict(param_schedulers=[dict(end=1)]))
    assert "the checkpoint's end=1, not this config's end=2" in said[0]
    said.clear()
    exact_resume_loop.warn_on_other_schedule_ends(
        runner, dict(param_schedulers=[dict(end=2)]))
    assert not said
