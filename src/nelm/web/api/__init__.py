"""The JSON API under /api (OpenAPI docs at /api/docs) and the dependencies every router shares."""
