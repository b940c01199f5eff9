"""nelm: decision support and outcomes research for neuroendocrine tumour liver metastases."""

__version__ = "0.1.0"
