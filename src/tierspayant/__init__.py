"""tierspayant — third-party payment exchange between healthcare providers and health-insurance funds."""

__version__ = "0.1.0"
