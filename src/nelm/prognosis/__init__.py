"""Prognostic models: a versioned model file, fitting (Cox), prediction with CIs, validation, nomograms.

Pure core: no files, no printing. Reading and writing model files and data lives in nelm.services.prognosis.
"""
