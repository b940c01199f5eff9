"""Resection of the primary tumour (review; ENETS 2016; NCCN; Bettini; Bertani; Citterio)."""

from nelm.knowledge.rulebook import Modality, Status, cite, exclude, note, rule, support

PTR = [Modality.primary_tumour_resection]
CONTRARY = [cite("bertani"), cite("citterio")]
GUIDELINES = [cite("enets2016"), cite("nccn")]


@rule("PTR-IN-SITU", modalities=PTR, recommendation="Primary tumour resection applies only to a primary still in place and resectable.",
      cites=[cite("chan2018", "Resection of primary tumors")])
def primary_in_place(f):
    if f.need("primary.status") == "resected":
        return exclude(Status.not_recommended, "The primary has already been resected.", primary_status="resected")
    if f.need("primary.resectable") is False:
        return exclude(Status.not_recommended, "The primary is not resectable.", primary_resectable=False)
    return None


@rule("PTR-WITH-LIVER", modalities=PTR, recommendation="Radical resection of both the primary and the liver metastases whenever possible.",
      cites=[cite("chan2018", "Conclusions"), cite("enets2016")])
def with_curative_liver_resection(f):
    if f.need("liver.r0_achievable"):
        return support(Status.recommended, "Liver metastases are resectable: remove the primary as part of curative surgery.")
    return None


@rule("PTR-COMPLICATED", modalities=PTR,
      recommendation="With unresectable metastases, a symptomatic or complicated primary (obstruction, bleeding, ischaemia, biliary obstruction, symptoms of a functioning tumour) may be resected to prevent or treat complications; no PFS difference (Bettini).",
      cites=[cite("bettini"), cite("chan2018", "Resection of primary tumors")])
def complicated_primary(f):
    if f.need("liver.r0_achievable"):
        return None
    complications = f.need("primary.complications")
    if complications:
        names = ", ".join(c.replace("_", " ") for c in complications)
        return support(Status.consider, f"Complicated primary ({names}): resection to treat or prevent complications.", complications=list(complications))
    if f.need("symptomatic"):
        return support(Status.consider, "Symptomatic primary with unresectable metastases: resection may relieve symptoms (Bettini: no PFS difference).", symptomatic=True)
    return None


@rule("PTR-ASYMPTOMATIC", modalities=PTR,
      recommendation="ENETS and NCCN: do not resect the primary if the metastases are not resectable; Bertani and Citterio report a survival benefit (non-randomised, selection bias). Site setting asymptomatic_primary_resection.",
      cites=GUIDELINES + CONTRARY)
def asymptomatic_primary(f):
    if f.need("liver.r0_achievable"):
        return None
    complications, symptomatic = f.need("primary.complications", "symptomatic")
    if complications or symptomatic:
        return None
    if f.p.asymptomatic_primary_resection.value == "consider":
        return [support(Status.consider, "Asymptomatic primary with unresectable metastases: resection may improve survival (Bertani, Citterio; non-randomised). Site protocol follows this school.", *CONTRARY),
                note("ENETS and NCCN advise against resecting the primary when metastases are unresectable.", *GUIDELINES)]
    return [exclude(Status.not_recommended, "Asymptomatic, uncomplicated primary with unresectable metastases: guidelines advise against resection.", *GUIDELINES),
            note("Contrary evidence: Bertani and Citterio report a survival benefit (non-randomised, selection bias).", *CONTRARY)]
