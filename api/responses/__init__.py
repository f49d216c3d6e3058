"""Pydantic models of the API's response bodies, one module per service; FastAPI generates the
OpenAPI document's bodies from them (api/routers/* declare them as response models)."""
