"""Short option names for tables and chart legends, where the engine's full labels would wrap."""

SHORT_LABELS = {
    "curative_resection": "Resection", "resection_plus_ablation": "Resection + ablation", "debulking": "Debulking",
    "ablation": "Ablation", "liver_transplantation": "Transplantation", "intra_arterial_therapy": "Intra-arterial (TAE/TACE/TARE)",
    "primary_tumour_resection": "Primary resection", "somatostatin_analogue": "Somatostatin analogue", "prrt": "PRRT",
    "targeted_therapy": "Targeted therapy", "chemotherapy": "Chemotherapy",
}


def short_label(name: str | None) -> str:
    return SHORT_LABELS.get(name or "", (name or "").replace("_", " "))
