"""Layouts of the doctors' scheme: the fee note model, the project's own XSDs (layout 01), readers, writers, names."""
