"""Writes for matching, one module per seam: ``runs`` (start, compute, cancel, retry,
recover), ``decisions`` (assess, lock, reject, swap) and ``publishing`` (publish a run, manual
pairs, introductions). Import from the module; this package re-exports nothing."""
