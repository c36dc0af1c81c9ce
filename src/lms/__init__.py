"""lms: an open-source loan management system.

The package is layered: `lms.core` holds the pure money math (standard library only, no clock,
no I/O); `lms.db` the storage harness; `lms.cli` the command line. See docs/ for the design.
"""

__version__ = "0.1.0"
