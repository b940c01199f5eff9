"""Local ablation (review; ENETS 2024 small-intestine guidance)."""

from nelm.knowledge.rulebook import Modality, Status, cap, cite, exclude, rule, support

M = Modality


@rule("ABL-SIZE", modalities=[M.ablation],
      recommendation="Complete ablation is hard above 3 cm; lesions above 5 cm are unsuitable.",
      cites=[cite("chan2018", "Local ablative therapies"), cite("enets2024_si")])
def lesion_size(f):
    largest = f.need("largest_lesion_mm")
    if largest > f.p.ablation_unsuitable_above_mm:
        return exclude(Status.not_recommended, f"Largest lesion {largest:g} mm (> {f.p.ablation_unsuitable_above_mm:g} mm): unsuitable for ablation.", largest_lesion_mm=largest)
    if largest > f.p.ablation_complete_max_mm:
        return cap(f"Largest lesion {largest:g} mm (> {f.p.ablation_complete_max_mm:g} mm): complete ablation is hard.", largest_lesion_mm=largest)
    return None


@rule("ABL-NUMBER", modalities=[M.ablation],
      recommendation="Preferably at most 3-5 lesions (ENETS 2024); a large number of bilobar lesions contraindicates ablation alone.",
      cites=[cite("enets2024_si"), cite("chan2018", "Local ablative therapies")])
def lesion_number(f):
    count = f.need("lesion_count")
    limit = f.p.ablation_max_lesions
    if count <= limit:
        return None
    if f.distribution == "bilobar":
        return exclude(Status.contraindicated, f"{count} bilobar lesions (more than {limit}): ablation alone is contraindicated.", lesion_count=count)
    return exclude(Status.not_recommended, f"{count} lesions (more than {limit}, ENETS 2024: preferably at most 3-5).", lesion_count=count)


@rule("ABL-INDICATION", modalities=[M.ablation],
      recommendation="Ablation for multifocal disease, suboptimal liver function or poorer performance status, alone or combined with resection; particularly useful for recurrence after previous resections.",
      cites=[cite("chan2018", "Local ablative therapies"), cite("mazzaglia2007")])
def indications(f):
    grade, category = f.need("grade", "category")
    if category != "NET" or grade == "G3":
        return None  # high-grade pathway rules decide
    reasons = []
    if (f.lesion_count or 0) > 1:
        reasons.append("multifocal disease")
    liver = f.case.liver
    if liver.significant_dysfunction or (liver.parenchyma is not None and liver.parenchyma.value != "normal") or f.flr_adequate is False:
        reasons.append("suboptimal liver function or reserve")
    if f.case.fit_for_major_surgery is False:
        reasons.append("not fit for major surgery")
    if f.case.recurrent_after_resection or (f.case.prior_liver_resections or 0) > 0:
        reasons.append("recurrence after previous resection")
    why = ", ".join(reasons) if reasons else "lesions within the size and number limits"
    return support(Status.consider, f"Ablation is an option ({why}); Mazzaglia: median survival 11 years, 6.3 % recurrence.")
