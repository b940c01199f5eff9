"""Liver transplantation (review Table 2; Milan-NET; ENETS 2016; ESMO 2020 [IV,B])."""

from nelm.knowledge.protocol import SETTINGS
from nelm.knowledge.rulebook import Modality, Status, cap, cite, exclude, rule, support

LT = [Modality.liver_transplantation]
CRITERIA = [cite("esmo2020", "[IV,B]"), cite("milan_net"), cite("chan2018", "LT")]


@rule("LT-UNRESECTABLE", modalities=LT, recommendation="Liver transplantation only for unresectable NELM in highly selected patients; no randomised study.",
      cites=[cite("chan2018", "LT"), cite("enets2016")])
def only_unresectable(f):
    if f.need("liver.r0_achievable"):
        return exclude(Status.not_recommended, "Metastases are resectable: transplantation is only for unresectable disease.", r0_achievable=True)
    return support(Status.consider, "Unresectable NELM: transplantation is an option only for a highly selected group (5-year OS up to 70-90 % with strict criteria).")


@rule("LT-NO-EHD", modalities=LT, recommendation="No extrahepatic disease.", cites=CRITERIA)
def no_extrahepatic_disease(f):
    if f.need("extrahepatic"):
        return exclude(Status.not_recommended, "Extrahepatic disease: outside transplant criteria.", extrahepatic=True)
    return None


@rule("LT-GRADE", modalities=LT, recommendation="Well-differentiated G1/G2 with Ki-67 < 10 %.", cites=CRITERIA)
def low_grade_low_ki67(f):
    grade, category = f.need("grade", "category")
    if category == "NEC":
        return None  # SURG-NEC contraindicates
    if grade == "G3":
        return exclude(Status.contraindicated, "NET G3: outside transplant criteria (G1/G2 only).", grade=grade)
    ki67 = f.need("pathology.ki67_percent")
    limit = f.p.transplant_ki67_below_percent
    if ki67 >= limit:
        return exclude(Status.not_recommended, f"Ki-67 {ki67:g} % (criterion: < {limit:g} %).", ki67_percent=ki67)
    return None


@rule("LT-PORTAL", modalities=LT, recommendation="Primary drained by the portal system (pancreas, gut from distal stomach to sigmoid colon), removed before transplantation.", cites=CRITERIA)
def portal_primary_removed(f):
    if f.need("portal_drained") is False:
        return exclude(Status.not_recommended, f"Primary site {f.case.primary.site.value.replace('_', ' ')} is not drained by the portal system.", primary_site=f.case.primary.site.value)
    if f.need("primary.status") == "in_situ":
        return exclude(Status.not_recommended, "The primary must be removed before transplantation: resect it, then re-assess.", primary_status="in_situ")
    return None


@rule("LT-BURDEN", modalities=LT, recommendation="Hepatic tumour load < 50 %.", cites=CRITERIA)
def hepatic_load(f):
    burden = f.need("liver.tumour_burden_percent")
    limit = f.p.transplant_burden_below_percent
    if burden >= limit:
        return exclude(Status.not_recommended, f"Hepatic tumour load {burden:g} % (criterion: < {limit:g} %).", tumour_burden_percent=burden)
    return None


@rule("LT-STABLE", modalities=LT, recommendation="Stable disease or response for at least 6 months before transplantation; shorter observation means defer and re-assess, not refuse.",
      cites=[cite("milan_net"), cite("enets2016"), cite("chan2018", "LT")])
def stable_six_months(f):
    if f.case.disease_course.progressing:
        return cap("Disease is progressing: defer and re-assess after at least 6 months of stable disease or response.", action="defer_and_reassess")
    months = f.need("disease_course.stable_months")
    needed = f.p.transplant_min_stable_months
    if months < needed:
        return cap(f"Stable for {months:g} months (< {needed:g}): defer and re-assess after {needed - months:g} more months; do not refuse.", action="defer_and_reassess", stable_months=months)
    return None


@rule("LT-AGE", modalities=LT, recommendation="Younger age: ESMO 2020 < 60 years; Milan-NET 2007 55 or younger; review < 45-55. Site setting transplant_age_below_years.",
      cites=[cite("esmo2020", "[IV,B]"), cite("milan_net"), cite("chan2018", "LT")])
def age_limit(f):
    age = f.need("age_years")
    limit = f.p.transplant_age_below_years
    if age >= limit:
        return exclude(Status.not_recommended, f"Age {age:g} (site limit: below {limit:g}; {SETTINGS['transplant_age_below_years'].alternatives}).", age_years=age)
    return None
