"""Images by path, for inference in DataLoader workers."""
from typing import Sequence

from torch.utils.data import Dataset


class ImagePathDataset(Dataset):
    """Images through a test pipeline; an unreadable one yields its error
    (mmengine datasets would retry another index or stop the run)."""

    def __init__(self, paths: Sequence[str], pipeline):
        self.paths, self.pipeline = list(paths), pipeline

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        path = self.paths[i]
        try:
            return self.pipeline(dict(img_path=path))
        except Exception as e:  # noqa: BLE001 (reported per image)
            return dict(img_path=path, error=f'{type(e).__name__}: {e}')
