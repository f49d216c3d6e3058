"""Response bodies in each service's shapes, built from read-model rows for one request's
microversion and caller (api/responses/ holds the pydantic models that document and check them)."""
