"""Intra-arterial therapy: TAE, TACE, TARE (review; Mayo; NCCN)."""

from nelm.knowledge.rulebook import Modality, Status, cap, cite, exclude, rule, support

IAT = [Modality.intra_arterial_therapy]


@rule("IAT-INDICATION", modalities=IAT,
      recommendation="In bilobar or disseminated disease, intra-arterial and medical therapies play an important role.",
      cites=[cite("chan2018", "Conclusions"), cite("nccn")])
def unresectable_liver_disease(f):
    if f.need("liver.r0_achievable"):
        return None  # IAT-RESECTABLE decides
    if f.distribution == "bilobar" or f.pattern == "III":
        return support(Status.recommended, "Unresectable bilobar or disseminated liver disease: intra-arterial therapy (TAE, TACE, TARE).", distribution=f.distribution, pattern=f.pattern)
    return support(Status.consider, "Unresectable liver disease: intra-arterial therapy is an option.")


@rule("IAT-RESECTABLE", modalities=IAT,
      recommendation="Surgery gave longer median survival than intra-arterial therapy (84 vs 38.9 months, P=0.05), except with > 25 % burden and no symptoms (16.7 vs 18.5 months, P=0.78).",
      cites=[cite("mayo2010"), cite("chan2018", "Table 1")])
def resection_preferred(f):
    if not f.need("liver.r0_achievable"):
        return None
    burden, symptomatic = f.need("liver.tumour_burden_percent", "symptomatic")
    if burden > f.p.mayo_burden_above_percent and not symptomatic:
        return support(Status.consider, f"Resectable, but burden {burden:g} % with no symptoms: surgery and IAT gave similar survival in this subgroup (Mayo et al.).", tumour_burden_percent=burden)
    return exclude(Status.not_recommended, "Metastases are resectable: resection gave longer survival than IAT (Mayo et al.: 84 vs 38.9 months).")


@rule("IAT-BURDEN", modalities=IAT,
      recommendation="Tumour burden above 70 % is a relative contraindication (NCCN; verify before use).",
      cites=[cite("nccn")], gating=False)
def very_high_burden(f):
    burden = f.need("liver.tumour_burden_percent")
    limit = f.p.iat_relative_contraindication_burden_above_percent
    if burden > limit:
        return cap(f"Tumour burden {burden:g} % (> {limit:g} %): relative contraindication (NCCN; verify).", tumour_burden_percent=burden)
    return None


@rule("IAT-LIVER-FUNCTION", modalities=IAT,
      recommendation="Significant liver dysfunction is a relative contraindication (NCCN; verify before use).",
      cites=[cite("nccn")], gating=False)
def liver_dysfunction(f):
    if f.case.liver.significant_dysfunction:
        return cap("Significant liver dysfunction: relative contraindication (NCCN; verify).")
    return None


@rule("IAT-AFTER-PD", modalities=IAT,
      recommendation="After pancreaticoduodenectomy (bilio-enteric anastomosis) intra-arterial therapy carries a risk of sepsis (liver abscess).",
      cites=[cite("chan2018", "Resection of primary tumors")], gating=False)
def after_pancreaticoduodenectomy(f):
    if f.case.prior_pancreaticoduodenectomy:
        return cap("Prior pancreaticoduodenectomy: risk of sepsis and liver abscess after IAT; weigh carefully and plan prophylaxis.", prior_pancreaticoduodenectomy=True)
    return None


@rule("IAT-NEC", modalities=IAT, recommendation="For high-grade carcinoma chemotherapy is first line.",
      cites=[cite("enets2016_hg")], gating=False)
def nec_chemotherapy_first(f):
    if f.category == "NEC":
        return cap("NEC: chemotherapy is first line; liver-directed therapy only in selected cases.")
    return None
