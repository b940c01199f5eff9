"""Command-line door: thin Typer commands over the service layer."""
