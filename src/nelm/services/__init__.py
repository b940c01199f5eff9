"""Use cases shared by every door (CLI, web, CDS Hooks): each takes plain data and returns plain results."""
