"""Conditions shared by the surgical options (ESMO 2020 general conditions; review; Kawaguchi 2019)."""

from nelm.knowledge.rulebook import SURGICAL, Modality, Status, cap, cite, exclude, note, rule

M = Modality
LIVER_RESECTIONS = (M.curative_resection, M.resection_plus_ablation)


@rule("SURG-FIT", modalities=SURGICAL, recommendation="Liver surgery needs a patient fit for major liver surgery.",
      cites=[cite("esmo2020", "general conditions for resection")])
def fit_for_major_surgery(f):
    if f.need("fit_for_major_surgery") is False:
        return exclude(Status.not_recommended, "Not fit for major liver surgery.", fit_for_major_surgery=False)
    return None


@rule("SURG-NEC", modalities=SURGICAL + (M.primary_tumour_resection,),
      recommendation="Advanced NEC G3 is an absolute contraindication to surgery; ENETS: resection of metastases not recommended for high-grade carcinoma.",
      cites=[cite("esmo2020", "[IV,A]"), cite("enets2016_hg")])
def nec_contraindicates_surgery(f):
    if f.need("category") == "NEC":
        if f.case.primary.complications:
            return None  # a complicated primary may still need palliative surgery: judged by the primary-tumour rules
        return exclude(Status.contraindicated, "Neuroendocrine carcinoma (NEC): surgery is contraindicated; chemotherapy first.", category="NEC")
    return None


@rule("SURG-EHD", modalities=LIVER_RESECTIONS,
      recommendation="No extrahepatic disease, or extrahepatic disease that is itself resectable (regional nodes); no upfront surgery with extra-abdominal metastases.",
      cites=[cite("esmo2020", "[IV,B]")])
def extrahepatic_disease(f):
    if f.need("extrahepatic") is False:
        return None
    if f.extra_abdominal:
        return exclude(Status.not_recommended, "Extra-abdominal metastases: no upfront liver surgery (ESMO 2020 [IV,B]).", extra_abdominal=True)
    if f.need("extrahepatic_disease.resectable") is False:
        return exclude(Status.not_recommended, "Extrahepatic disease that cannot be resected: curative intent is not possible.", extrahepatic_resectable=False)
    f.need("extra_abdominal")
    return note("Extrahepatic disease is resectable: plan its resection with the liver.", extrahepatic_resectable=True)


@rule("SURG-FLR", modalities=LIVER_RESECTIONS + (M.debulking,),
      recommendation="Future liver remnant at or above the safety threshold for the parenchyma: normal 20-25 %, after > 3 months of chemotherapy 30 %, fibrosis or cirrhosis 40 %; below it major hepatectomy is unsafe (portal vein embolisation may raise the FLR first).",
      cites=[cite("kawaguchi2019")])
def future_liver_remnant(f):
    adequate = f.need("flr_adequate")
    flr = f.case.liver.future_liver_remnant_percent
    threshold = f.flr_minimum_percent
    where = f" (threshold {threshold:g} % for {f.case.liver.parenchyma.value.replace('_', ' ')} liver)" if threshold is not None else ""
    if not adequate:
        return exclude(Status.not_recommended, f"Future liver remnant {flr:g} % is below the safety threshold{where}: major hepatectomy unsafe; consider portal vein embolisation first.", flr_percent=flr, threshold_percent=threshold)
    return note(f"Future liver remnant {flr:g} % is adequate{where}.", flr_percent=flr, threshold_percent=threshold)


@rule("SURG-CHD", modalities=SURGICAL,
      recommendation="Carcinoid heart disease must be assessed, and treated, before liver surgery.",
      cites=[cite("esmo2020"), cite("chan2018")], gating=False)
def carcinoid_heart_disease(f):
    if f.case.carcinoid_heart_disease:
        return cap("Carcinoid heart disease: cardiac assessment and treatment come before liver surgery.", carcinoid_heart_disease=True)
    if f.case.functional_syndrome is not None and f.case.functional_syndrome.value == "carcinoid":
        f.need("carcinoid_heart_disease")
    return None


@rule("SURG-MAYO", modalities=LIVER_RESECTIONS,
      recommendation="Patients with more than 25 % liver tumour burden and asymptomatic disease gained little from surgery over intra-arterial therapy (median 16.7 vs 18.5 months, P=0.78).",
      cites=[cite("mayo2010"), cite("chan2018", "Resection versus non-surgical therapies")], gating=False)
def mayo_subgroup(f):
    burden, symptomatic = f.need("liver.tumour_burden_percent", "symptomatic")
    if burden > f.p.mayo_burden_above_percent and not symptomatic:
        return cap(f"Tumour burden {burden:g} % (> {f.p.mayo_burden_above_percent:g} %) and asymptomatic: in Mayo et al. this subgroup gained little from surgery (16.7 vs 18.5 months).", tumour_burden_percent=burden, symptomatic=False)
    return None


@rule("SURG-PRIMARY", modalities=LIVER_RESECTIONS,
      recommendation="Radical resection of both the primary and the liver metastases should be contemplated whenever possible.",
      cites=[cite("chan2018", "Conclusions"), cite("enets2016")])
def primary_must_be_removable(f):
    if f.need("primary.status") == "resected":
        return None
    if f.need("primary.resectable") is False:
        return exclude(Status.not_recommended, "The primary tumour is in situ and not resectable: curative intent is not possible.", primary_resectable=False)
    return note("Primary in situ and resectable: resect primary and liver metastases (one or two stages).", primary_resectable=True)
