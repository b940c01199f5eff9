"""FHIR R4 / mCODE bundle -> nelm case: what is filled, converted, reported and set aside."""

from __future__ import annotations

from datetime import date

import pytest

from nelm.case.validation import check_case_data
from nelm.interop.fhir_import import BadBundle, import_bundle
from nelm.interop.import_report import CASE_FIELDS
from nelm.services.assessment import assess_data

from .conftest import BUNDLES


def reasons(result, resource: str) -> list[str]:
    return [i.reason for i in result.report.ignored if i.resource == resource]


def unfilled(result, field: str) -> str:
    return next(u.reason for u in result.report.unfilled if u.field == field)


def test_ileal_net_g2_bundle_gives_the_case_a_tumour_board_would_enter(bundle):
    result = import_bundle(bundle("ileal-net-g2-liver-metastases"))
    assert result.case == {
        "id": "net-ileal-01",
        "age_years": 61,  # born 1962-07-19, bundle timestamp 2024-03-12
        "ecog": 1,
        "primary": {"site": "small_intestine", "status": "resected"},
        "pathology": {"ki67_percent": 8.0, "differentiation": "well", "category": "NET"},
        "functional_syndrome": "carcinoid",
        "liver": {"lesions": [{"size_mm": 34.0, "segment": 6}, {"size_mm": 22.0, "segment": 8}]},
        "disease_course": {"progressing": False},
        "prior_systemic_therapies": ["somatostatin_analogue"],
    }
    assert result.report.neuroendocrine_neoplasm and result.report.liver_metastases


def test_age_is_computed_at_the_bundle_timestamp_and_the_report_names_that_date(bundle):
    result = import_bundle(bundle("ileal-net-g2-liver-metastases"), as_of=date(2030, 1, 1))
    assert result.case["age_years"] == 61
    assert (result.report.reference_date, result.report.reference_date_source) == ("2024-03-12", "Bundle.timestamp")


def test_age_falls_back_to_meta_last_updated_then_to_the_date_the_caller_gives(bundle):
    whipple = import_bundle(bundle("pancreatic-net-after-whipple"), as_of=date(2030, 1, 1))
    assert (whipple.report.reference_date_source, whipple.case["age_years"]) == ("Bundle.meta.lastUpdated", 71)
    data = bundle("pancreatic-net-after-whipple")
    del data["meta"]
    later = import_bundle(data, as_of=date(2030, 3, 1), as_of_source="the hook call")
    assert (later.report.reference_date, later.report.reference_date_source, later.case["age_years"]) == ("2030-03-01", "the hook call", 77)


def test_birthday_on_the_reference_date_counts_as_a_completed_year(bundle):
    data = bundle("ileal-net-g2-liver-metastases")
    data["timestamp"] = "2024-07-19T08:00:00Z"
    assert import_bundle(data).case["age_years"] == 62
    data["timestamp"] = "2024-07-18T08:00:00Z"
    assert import_bundle(data).case["age_years"] == 61


def test_a_birth_year_alone_leaves_the_age_empty_and_says_why(bundle):
    result = import_bundle(bundle("incomplete-referral"), as_of=date(2024, 7, 1))
    assert "age_years" not in result.case
    assert unfilled(result, "age_years") == "birthDate 1971 gives 52 or 53 years on 2024-07-01: give the full date"


def test_without_any_date_the_age_is_reported_not_guessed(bundle):
    result = import_bundle(bundle("incomplete-referral"))
    assert result.report.reference_date is None
    assert "no date to compute the age at" in unfilled(result, "age_years")


def test_tumour_sizes_in_cm_and_inches_are_converted_to_mm_and_the_conversion_is_reported(bundle):
    result = import_bundle(bundle("nec-pancreas-g3"))
    assert result.case["liver"]["lesions"] == [{"size_mm": 45.0, "segment": 4}, {"size_mm": 30.48, "segment": 7}]
    note = next(f.note for f in result.report.filled if f.field == "liver.lesions")
    assert "4.5 cm = 45 mm" in note and "1.2 [in_i] = 30.48 mm" in note


def test_a_length_in_an_unknown_unit_is_set_aside_not_guessed(bundle):
    data = bundle("nec-pancreas-g3")
    observation = next(e["resource"] for e in data["entry"] if e["resource"]["id"] == "size-seg4b")
    observation["component"][0]["valueQuantity"] = {"value": 45, "unit": "px", "system": "http://unitsofmeasure.org", "code": "[pixel]"}
    result = import_bundle(data)
    assert result.case["liver"]["lesions"] == [{"size_mm": 30.48, "segment": 7}]
    assert reasons(result, "Observation/size-seg4b") == ["tumour size: unit '[pixel]' is not a length nelm converts (mm, cm, m, [in_i])"]


def test_the_latest_measurement_of_a_lesion_wins_and_the_earlier_is_reported(bundle):
    result = import_bundle(bundle("ileal-net-g2-liver-metastases"))
    assert {"size_mm": 34.0, "segment": 6} in result.case["liver"]["lesions"]
    assert reasons(result, "Observation/tumor-size-seg6-2023") == ["earlier measurement of the same lesion (31 mm on 2023-09-20); the latest is used"]


def test_tumour_size_of_the_primary_is_set_aside_because_the_case_records_liver_lesions(bundle):
    result = import_bundle(bundle("pancreatic-net-after-whipple"))
    assert reasons(result, "Observation/size-primary-2019") == ["tumour size of the pancreas: the case records liver lesions only"]
    assert len(result.case["liver"]["lesions"]) == 3


def test_tumour_size_without_a_body_site_is_set_aside(bundle):
    result = import_bundle(bundle("incomplete-referral"))
    assert reasons(result, "Observation/outside-ct") == ["tumour size without a body site: cannot tell whether it is a liver lesion"]


def test_liver_lesions_without_a_segment_are_counted_and_the_largest_kept(bundle):
    data = bundle("pancreatic-net-after-whipple")
    for entry in data["entry"]:
        if entry["resource"]["id"] == "size-seg7":
            entry["resource"]["bodySite"]["text"] = "Liver, right lobe"
    liver = import_bundle(data).case["liver"]
    assert liver == {"lesions": [{"size_mm": 41.0, "segment": 2}, {"size_mm": 15.0, "segment": 5}], "lesion_count": 3, "largest_lesion_mm": 41.0}
    assert check_case_data({"liver": liver}).ok


def test_ki67_is_read_by_its_loinc_code_and_the_latest_result_is_used(bundle):
    result = import_bundle(bundle("pancreatic-net-after-whipple"))
    assert result.case["pathology"]["ki67_percent"] == 12.0
    assert reasons(result, "Observation/ki67-2019") == ["older Ki-67 result (5 on 2019-04-15); the latest is used"]


def test_a_preliminary_result_and_an_absent_value_are_not_used(bundle):
    nec = import_bundle(bundle("nec-pancreas-g3"))
    assert nec.case["pathology"]["ki67_percent"] == 75.0
    assert reasons(nec, "Observation/ki67-preliminary") == ["status is preliminary: only final, amended or corrected results are used"]
    referral = import_bundle(bundle("incomplete-referral"))
    assert "data absent" in reasons(referral, "Observation/ki67-pending")[0]


def test_ecog_is_read_from_an_integer_or_a_loinc_answer_code(bundle):
    assert import_bundle(bundle("ileal-net-g2-liver-metastases")).case["ecog"] == 1
    assert import_bundle(bundle("pancreatic-net-after-whipple")).case["ecog"] == 2  # LA9624-3


def test_an_ecog_grade_outside_0_to_4_is_set_aside(bundle):
    data = bundle("nec-pancreas-g3")
    next(e["resource"] for e in data["entry"] if e["resource"]["id"] == "ecog")["valueInteger"] = 5
    result = import_bundle(data)
    assert "ecog" not in result.case
    assert reasons(result, "Observation/ecog") == ["ECOG: grade 5 is not 0-4"]


def test_a_whipple_sets_prior_pancreaticoduodenectomy_and_resects_the_pancreatic_primary(bundle):
    result = import_bundle(bundle("pancreatic-net-after-whipple"))
    assert result.case["prior_pancreaticoduodenectomy"] is True
    assert result.case["primary"] == {"site": "pancreas", "status": "resected"}
    source = next(f for f in result.report.filled if f.field == "prior_pancreaticoduodenectomy")
    assert (source.source, source.note) == ("Procedure/whipple", "SNOMED CT 265459006")


def test_a_whipple_written_only_as_text_is_recognised_and_the_report_says_so(bundle):
    data = bundle("pancreatic-net-after-whipple")
    procedure = next(e["resource"] for e in data["entry"] if e["resource"]["id"] == "whipple")
    procedure["code"] = {"text": "Pylorus-preserving pancreaticoduodenectomy"}
    result = import_bundle(data)
    assert result.case["prior_pancreaticoduodenectomy"] is True
    assert "recognised by its text" in next(f.note for f in result.report.filled if f.field == "prior_pancreaticoduodenectomy")


def test_absence_of_a_record_is_not_read_as_absence_of_disease_or_operation(bundle):
    result = import_bundle(bundle("ileal-net-g2-liver-metastases"))
    assert "extrahepatic_disease" not in result.case and "prior_pancreaticoduodenectomy" not in result.case
    assert "absence in the record is not taken" in unfilled(result, "extrahepatic_disease.present")
    assert "absence in the record is not taken" in unfilled(result, "prior_pancreaticoduodenectomy")


def test_metastases_outside_the_liver_fill_extrahepatic_disease_with_their_sites(bundle):
    assert import_bundle(bundle("pancreatic-net-after-whipple")).case["extrahepatic_disease"] == {"present": True, "sites": ["bone"]}
    assert import_bundle(bundle("nec-pancreas-g3")).case["extrahepatic_disease"] == {"present": True, "sites": ["abdominal_nodes"]}


def test_nec_morphology_and_c7a1_give_poor_differentiation_and_nec(bundle):
    result = import_bundle(bundle("nec-pancreas-g3"))
    assert result.case["pathology"] == {"differentiation": "poor", "category": "NEC", "ki67_percent": 75.0}
    assert result.case["primary"] == {"site": "pancreas"}


def test_a_refuted_diagnosis_is_set_aside(bundle):
    data = bundle("nec-pancreas-g3")
    liver = next(e["resource"] for e in data["entry"] if e["resource"]["id"] == "liver-mets")
    liver["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]}
    result = import_bundle(data)
    assert reasons(result, "Condition/liver-mets") == ["verification status is refuted"]


def test_a_diagnosis_written_only_as_text_is_recognised(bundle):
    result = import_bundle(bundle("incomplete-referral"))
    assert result.case["primary"] == {"site": "small_intestine"}
    assert result.report.neuroendocrine_neoplasm and result.report.liver_metastases


def test_an_invalid_resource_is_set_aside_with_the_validator_message_and_the_rest_is_read(bundle):
    result = import_bundle(bundle("incomplete-referral"))
    why = reasons(result, "Observation/garbled")
    assert len(why) == 1 and why[0].startswith("not valid FHIR R4B: valueQuantity.value")
    assert result.case["id"] == "ref-03"


def ki67_resource(data: dict) -> dict:
    return next(e["resource"] for e in data["entry"] if e["resource"].get("id") == "ki67")


@pytest.mark.parametrize("modifier, value", [
    ("modifierExtension", [{"url": "http://example.org/fhir/StructureDefinition/result-refuted", "valueBoolean": True}]),
    ("implicitRules", "http://example.org/local-rules"),
])
def test_a_resource_with_a_modifier_nelm_does_not_understand_is_set_aside_not_misread(bundle, modifier, value):
    data = bundle("ileal-net-g2-liver-metastases")
    ki67_resource(data)[modifier] = value
    result = import_bundle(data)
    assert "ki67_percent" not in result.case.get("pathology", {})
    assert any(modifier in why and "may change its meaning" in why for why in reasons(result, "Observation/ki67"))


def test_a_resource_not_valid_r4b_as_a_whole_is_still_read_and_the_conformance_check_reports_it(bundle):
    data = bundle("ileal-net-g2-liver-metastases")
    ki67_resource(data)["performer"] = [{"reference": "Practitioner/pathologist", "unknownElement": 1}]
    plain = import_bundle(data, as_of=date(2024, 7, 1))
    checked = import_bundle(data, as_of=date(2024, 7, 1), conformance=True)
    assert plain.case == checked.case and plain.case["pathology"]["ki67_percent"] == 8
    assert plain.report.not_conformant == []
    found = {item.resource: item.reason for item in checked.report.not_conformant}
    assert list(found) == ["Observation/ki67"] and "performer" in found["Observation/ki67"] and "unknownElement" in found["Observation/ki67"]


@pytest.mark.parametrize("name", BUNDLES)
def test_the_conformance_check_changes_nothing_that_is_read(bundle, name):
    plain = import_bundle(bundle(name), as_of=date(2024, 7, 1))
    checked = import_bundle(bundle(name), as_of=date(2024, 7, 1), conformance=True)
    assert plain.case == checked.case
    assert plain.report.filled == checked.report.filled and plain.report.ignored == checked.report.ignored


def test_resources_of_another_patient_and_unused_types_are_set_aside(bundle):
    nec = import_bundle(bundle("nec-pancreas-g3"))
    assert reasons(nec, "Observation/other-patient-ki67") == ["its subject is another patient"]
    ileal = import_bundle(bundle("ileal-net-g2-liver-metastases"))
    assert reasons(ileal, "Practitioner/oncologist") == ["Practitioner is not used by the nelm case"]
    assert "85354-9" in reasons(ileal, "Observation/blood-pressure")[0]


@pytest.mark.parametrize("name", BUNDLES)
def test_every_case_field_is_either_filled_or_reported_unfilled_exactly_once(bundle, name):
    report = import_bundle(bundle(name), as_of=date(2024, 7, 1)).report
    filled = [f.field for f in report.filled]
    missing = [u.field for u in report.unfilled]
    assert sorted(filled + missing) == sorted(CASE_FIELDS)
    assert all(u.reason for u in report.unfilled)


@pytest.mark.parametrize("name", BUNDLES)
def test_every_resource_is_either_used_or_reported_set_aside(bundle, name):
    data = bundle(name)
    report = import_bundle(data, as_of=date(2024, 7, 1)).report
    used = {s.strip() for f in report.filled for s in f.source.split(",")}
    ignored = {i.resource for i in report.ignored}
    for entry in data["entry"]:
        resource = entry["resource"]
        label = f"{resource['resourceType']}/{resource['id']}"
        if resource["resourceType"] in ("BodyStructure", "Medication"):
            continue  # read through the resource that points to them
        assert label in used or label in ignored or any(label in note for note in report.notes), label


@pytest.mark.parametrize("name", BUNDLES)
def test_every_imported_case_passes_the_case_checks_and_is_assessed(bundle, name):
    case = import_bundle(bundle(name), as_of=date(2024, 7, 1)).case
    assert check_case_data(case).ok
    assert len(assess_data(case, robustness=False, evidence=False).options) == 11


@pytest.mark.parametrize("data, message", [
    ([], "a FHIR Bundle must be a JSON object, got list"),
    ({"resourceType": "Patient"}, "resourceType is 'Patient', expected 'Bundle'"),
    ({"type": "collection"}, "resourceType is missing: expected 'Bundle'"),
    ({"resourceType": "Bundle", "type": "collection", "entry": {}}, "entry must be a list, got dict"),
    ({"resourceType": "Bundle", "type": "collection", "entry": [3]}, "entry[0]: must be an object, got int"),
    ({"resourceType": "Bundle"}, "Bundle.type: is required (FHIR R4B cardinality 1..1) but missing"),
    ({"resourceType": "Bundle", "type": "collection", "timestamp": "yesterday"}, "Bundle.timestamp"),
])
def test_what_is_not_a_bundle_is_refused_with_one_clear_message(data, message):
    with pytest.raises(BadBundle) as caught:
        import_bundle(data)
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith(message)


def test_a_bundle_with_two_patients_needs_the_patient_named(bundle):
    data = bundle("ileal-net-g2-liver-metastases")
    data["entry"].append({"resource": {"resourceType": "Patient", "id": "other"}})
    with pytest.raises(BadBundle, match="holds 2 patients"):
        import_bundle(data)
    chosen = import_bundle(data, patient_id="net-ileal-01")
    assert chosen.case["id"] == "net-ileal-01"
    assert reasons(chosen, "Patient/other") == ["another patient: the bundle is read for one patient"]
