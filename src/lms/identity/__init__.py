"""lms.identity: who may do what. Staff users and their sessions, integrations' API
credentials, roles and their permissions; the principal a request's bearer token stands for."""
