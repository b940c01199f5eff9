"""The knowledge base: sources, site protocol and rules. Data and small pure functions; no engine here."""

KNOWLEDGE_BASE_VERSION = "2026.11-1"
