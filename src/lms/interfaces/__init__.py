"""The interfaces: the REST API and the command line. Thin: parse, authorise, call a service, render."""
