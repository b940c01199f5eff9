"""The engine: evaluates the knowledge base's rules against one case. Pure: no I/O."""

from nelm.engine.evaluate import ENGINE_VERSION, assess

__all__ = ["ENGINE_VERSION", "assess"]
