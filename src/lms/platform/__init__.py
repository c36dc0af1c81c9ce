"""The platform: settings, the database harness, the business date and the domain errors."""
