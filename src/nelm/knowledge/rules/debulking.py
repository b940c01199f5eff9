"""Debulking (cytoreductive) surgery (review; Osborne; ESMO 2020)."""

from nelm.knowledge.rulebook import Modality, Status, cite, exclude, note, rule, support
from nelm.knowledge.protocol import SETTINGS

M = Modality


@rule("DEB-CURATIVE-POSSIBLE", modalities=[M.debulking],
      recommendation="Debulking is for when curative surgery cannot be carried out.",
      cites=[cite("chan2018", "Role of debulking surgery")])
def curative_possible(f):
    if f.need("liver.r0_achievable"):
        return exclude(Status.not_recommended, "R0 resection is achievable: resect with curative intent rather than debulk.", r0_achievable=True)
    return None


@rule("DEB-THRESHOLD", modalities=[M.debulking],
      recommendation="When more than 80-90 % of the tumour load can be removed there may be a survival benefit; some studies accept up to 30 % residual. Site setting debulking_min_resectable_percent (default 70 %, conservative 90 %).",
      cites=[cite("chan2018", "Role of debulking surgery")])
def enough_tumour_removable(f):
    fraction = f.need("liver.resectable_fraction_percent")
    threshold = f.p.debulking_min_resectable_percent
    setting = SETTINGS["debulking_min_resectable_percent"]
    if fraction >= threshold:
        return support(Status.consider, f"{fraction:g} % of the tumour load can be removed (threshold {threshold:g} %; {setting.alternatives}).", resectable_fraction_percent=fraction, threshold_percent=threshold)
    return exclude(Status.not_recommended, f"Only {fraction:g} % of the tumour load can be removed (below {threshold:g} %).", resectable_fraction_percent=fraction, threshold_percent=threshold)


@rule("DEB-FUNCTIONING", modalities=[M.debulking], gating=False,
      recommendation="The main indication for debulking is symptom control in functioning tumours.",
      cites=[cite("esmo2020", "[IV,B]")])
def symptom_control(f):
    if f.need("functioning") and f.case.symptomatic:
        return note(f"Functioning tumour ({f.case.functional_syndrome.value}) with symptoms: symptom control is the main indication for debulking.")
    return None


@rule("DEB-PNET-KI67", modalities=[M.debulking],
      recommendation="No debulking in non-functioning pancreatic NET with Ki-67 > 10 %.",
      cites=[cite("esmo2020", "[IV,B]")])
def not_in_aggressive_nonfunctioning_pnet(f):
    if f.need("primary.site") != "pancreas":
        return None
    functioning, ki67 = f.need("functioning", "pathology.ki67_percent")
    limit = f.p.debulking_pancreatic_nonfunctioning_ki67_above_percent
    if not functioning and ki67 > limit:
        return exclude(Status.not_recommended, f"Non-functioning pancreatic NET with Ki-67 {ki67:g} % (> {limit:g} %): debulking not recommended.", ki67_percent=ki67)
    return None


@rule("DEB-WITH-ABLATION", modalities=[M.debulking], gating=False,
      recommendation="Debulking combined with intra-operative ablation gave a survival benefit over embolisation (P=0.03), less than curative surgery.",
      cites=[cite("osborne2006")])
def combine_with_ablation(f):
    if f.need("liver.r0_achievable"):
        return None  # debulking is not on the table
    return note("Combining debulking with intra-operative ablation outperformed embolisation (Osborne et al.).")
