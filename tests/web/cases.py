"""Cases the web tests enter (valid v1 cases; statuses checked against the engine in the tests, not hard-coded)."""

RESECTABLE = {
    "age_years": 58, "ecog": 0, "fit_for_major_surgery": True,
    "primary": {"site": "small_intestine", "status": "in_situ", "resectable": True, "complications": []},
    "prior_pancreaticoduodenectomy": False,
    "pathology": {"ki67_percent": 1.5, "mitoses_per_2mm2": 1, "differentiation": "well"},
    "functional_syndrome": "none", "symptomatic": False, "carcinoid_heart_disease": False, "sstr_imaging": "positive",
    "liver": {"lesions": [{"size_mm": 42, "segment": 6}], "distribution": "unilobar", "tumour_burden_percent": 6,
              "resectable_fraction_percent": 100, "r0_achievable": True, "future_liver_remnant_percent": 65, "parenchyma": "normal"},
    "extrahepatic_disease": {"present": False},
    "disease_course": {"stable_months": 8, "progressing": False},
    "recurrent_after_resection": False, "prior_liver_resections": 0,
}
