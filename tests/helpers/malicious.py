"""A pickled object whose loading runs code (it creates a marker file), to
check that no entry point unpickles a checkpoint's code."""


class WritesMarker:
    """Unpickling it creates ``marker``: a stand-in for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, 'w'))
