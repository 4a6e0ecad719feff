"""tierspayant — third-party payment exchange between healthcare providers and health-insurance funds."""

from tierspayant.moved import install as _install_moved_paths

__version__ = "0.1.0"
_install_moved_paths()
