"""Dataloader defaults of the train/test tools, valid also for num_workers=0."""


def set_dataloader_defaults(loader, pin_memory=True,
                            persistent_workers=True):
    """Fill ``pin_memory`` / ``persistent_workers`` where the config leaves
    them unset; ``False`` (the tools' ``--no-pin-memory`` /
    ``--no-persistent-workers``) turns them off whatever the config says.
    ``persistent_workers`` is forced off without workers, where PyTorch's
    DataLoader would refuse it (mmpretrain's tools set it anyway).
    """
    if loader is None:
        return
    workers = loader.get('num_workers', 0) > 0
    for key, value in (('pin_memory', pin_memory),
                       ('persistent_workers', persistent_workers and workers)):
        if value:
            loader.setdefault(key, value)
        else:
            loader[key] = False
