"""The daily close (end of day): an ordered list of steps over one business date."""
