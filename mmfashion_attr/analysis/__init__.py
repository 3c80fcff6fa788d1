"""Report building for the analysis tools (tables, comparisons, baselines,
threshold calibration, label statistics); not registered, not used by
training or testing."""
