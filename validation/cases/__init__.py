"""Validation cases, one module per simulator stage; each registers with ``validation.case``."""
