"""Random but valid NELM cases for batch benchmarks (deterministic for a seed)."""

from __future__ import annotations

import json
import random
from pathlib import Path

SITES = ["pancreas", "small_intestine", "stomach", "duodenum", "appendix", "colon", "rectum", "lung", "unknown"]
SYNDROMES = ["none", "none", "none", "carcinoid", "insulinoma", "gastrinoma", "other"]


def random_case(rng: random.Random, index: int) -> dict:
    count = rng.choice([1, 1, 2, 3, 4, 6, 10, 20])
    lesions = [{"size_mm": round(rng.uniform(5, 90), 1), "segment": rng.randint(1, 8)} for _ in range(min(count, 4))]
    largest = max(lesion["size_mm"] for lesion in lesions)
    segments = {lesion["segment"] for lesion in lesions}
    bilobar = bool(segments & {2, 3, 4}) and bool(segments & {5, 6, 7, 8})
    ki67 = round(rng.choice([rng.uniform(0, 3), rng.uniform(3, 20), rng.uniform(20, 90)]), 1)
    progressing = rng.random() < 0.4
    return {
        "id": f"bench-{index}",
        "age_years": rng.randint(25, 85),
        "ecog": rng.randint(0, 3),
        "fit_for_major_surgery": rng.random() < 0.8,
        "primary": {"site": rng.choice(SITES), "status": rng.choice(["in_situ", "resected"]), "resectable": rng.random() < 0.8,
                    "complications": rng.choice([[], [], ["obstruction"], ["bleeding"]])},
        "prior_pancreaticoduodenectomy": rng.random() < 0.1,
        "pathology": {"ki67_percent": ki67, "differentiation": "poor" if ki67 > 20 and rng.random() < 0.5 else "well"},
        "functional_syndrome": rng.choice(SYNDROMES),
        "symptomatic": rng.random() < 0.4,
        "carcinoid_heart_disease": rng.random() < 0.05,
        "sstr_imaging": rng.choice(["positive", "positive", "negative", "unknown"]),
        "liver": {
            "lesions": lesions if count == len(lesions) else None,
            "lesion_count": count,
            "largest_lesion_mm": largest,
            "distribution": "bilobar" if bilobar else ("unilobar" if count == 1 or rng.random() < 0.5 else "bilobar"),
            "tumour_burden_percent": round(rng.uniform(1, 80), 1),
            "resectable_fraction_percent": round(rng.uniform(20, 100), 1),
            "r0_achievable": count <= 3 and rng.random() < 0.6,
            "future_liver_remnant_percent": round(rng.uniform(15, 80), 1),
            "parenchyma": rng.choice(["normal", "normal", "chemotherapy_injured", "steatosis", "fibrosis", "cirrhosis"]),
        },
        "extrahepatic_disease": {"present": False} if rng.random() < 0.7 else {"present": True, "sites": [rng.choice(["regional_nodes", "bone", "peritoneum"])], "resectable": rng.random() < 0.5},
        "disease_course": {"stable_months": 0 if progressing else rng.randint(0, 36), "progressing": progressing},
        "recurrent_after_resection": rng.random() < 0.2,
        "prior_liver_resections": rng.choice([0, 0, 0, 1, 2]),
    }


def write_jsonl(path: Path, n: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with path.open("w") as out:
        for index in range(n):
            case = random_case(rng, index)
            if case["liver"]["lesions"] is None:
                del case["liver"]["lesions"]
            out.write(json.dumps(case) + "\n")
    return path
