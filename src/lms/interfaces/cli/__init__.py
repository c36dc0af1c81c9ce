"""The command line (`lms`): commands, their rendering, and scenario files for `lms simulate`."""
