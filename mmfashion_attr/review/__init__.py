"""The review of the label audit's findings (``tools/review.py``): the
flagged rows of ``issues.csv`` joined with the catalogue
(:mod:`.items`), reviewers' decisions kept in SQLite (:mod:`.store`),
exported as a corrected catalogue and a decisions log (:mod:`.export`),
and the browser page (:mod:`.app`, the serve extra). Not imported by
``mmfashion_attr`` itself."""
from .export import export_review
from .items import ReviewItem, ReviewSet, load_review_set
from .store import DECISIONS, DecisionStore

__all__ = ['DECISIONS', 'DecisionStore', 'ReviewItem', 'ReviewSet',
           'export_review', 'load_review_set']
