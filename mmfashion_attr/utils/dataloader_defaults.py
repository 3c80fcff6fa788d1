"""Dataloader defaults of the train/test tools, valid also for num_workers=0."""


def set_dataloader_defaults(loader, pin_memory=True,
                            persistent_workers=True):
    """Fill ``pin_memory`` / ``persistent_workers`` unless the config sets
    them; ``persistent_workers`` is forced off without workers, where
    PyTorch's DataLoader would refuse it (mmpretrain's tools set it anyway).
    """
    if loader is None:
        return
    loader.setdefault('pin_memory', pin_memory)
    workers = loader.get('num_workers', 0) > 0
    loader.setdefault('persistent_workers', workers and persistent_workers)
    if not workers:
        loader.persistent_workers = False
