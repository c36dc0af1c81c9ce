"""lms: an open-source loan management system.

The package is layered: `lms.core` holds the pure money math (standard library only, no clock,
no I/O); `lms.platform.db` the storage harness; `lms.interfaces.cli.main` the command line. See docs/ for the design.
"""

__version__ = "0.1.0"
