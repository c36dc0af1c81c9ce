"""The web layer: the FastAPI application, thin over the services."""
