"""Human names for modalities and statuses, shared by every door."""

MODALITY_LABELS = {
    "curative_resection": "Liver resection with curative intent",
    "resection_plus_ablation": "Resection combined with ablation",
    "debulking": "Debulking (cytoreductive) surgery",
    "ablation": "Local ablation (RFA/MWA)",
    "liver_transplantation": "Liver transplantation",
    "intra_arterial_therapy": "Intra-arterial therapy (TAE/TACE/TARE)",
    "primary_tumour_resection": "Primary tumour resection",
    "somatostatin_analogue": "Somatostatin analogue",
    "prrt": "Peptide receptor radionuclide therapy (PRRT)",
    "targeted_therapy": "Targeted therapy (everolimus, sunitinib)",
    "chemotherapy": "Chemotherapy",
}

STATUS_LABELS = {
    "recommended": "Recommended",
    "consider": "Consider",
    "insufficient_data": "Insufficient data",
    "not_recommended": "Not recommended",
    "contraindicated": "Contraindicated",
}

# Order in which reports group options.
STATUS_ORDER = ("recommended", "consider", "insufficient_data", "not_recommended", "contraindicated")
