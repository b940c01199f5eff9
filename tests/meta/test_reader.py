"""Reading a meta-analysis CSV: every bad row is named with its number and reason; nothing half-read."""

from __future__ import annotations

import pytest

from nelm.meta.reader import MetaInputError, parse_meta_csv
from nelm.meta.service import pool_csv


def problems(text: str, measure: str = "PLO") -> list[str]:
    with pytest.raises(MetaInputError) as err:
        parse_meta_csv(text, measure)
    return err.value.problems


def test_each_bad_proportion_row_is_reported_with_row_number_and_reason():
    text = "study,events,n\nA,12,10\nB,3,0\nC,x,10\nD,2.5,10\nE,-1,10\nF,nan,10\nG,4,20\n"
    assert problems(text) == [
        "row 1 (study 'A'): events (12) > n (10)",
        "row 2 (study 'B'): n (0) must be > 0",
        "row 3 (study 'C'): events ('x') is not a number",
        "row 4 (study 'D'): events (2.5) is not a whole number",
        "row 5 (study 'E'): events (-1) must be >= 0",
        "row 6 (study 'F'): events (nan) is not a finite number",
    ]


def test_negative_or_zero_variance_and_missing_values_are_rejected_for_gen():
    text = "study,yi,vi\nA,0.1,-0.2\nB,0.2,0\nC,,0.1\n,0.3,0.1\nE,0.1,0.05\n"
    assert problems(text, "GEN") == [
        "row 1 (study 'A'): vi (-0.2) is a negative variance",
        "row 2 (study 'B'): vi (0) must be > 0: a study with zero variance cannot be weighted",
        "row 3 (study 'C'): yi is empty",
        "row 4: study is empty",
    ]


def test_missing_column_names_the_column_and_the_measure_that_fits_the_file():
    [msg] = problems("study,events,n\nA,1,10\nB,2,10\n", "GEN")
    assert msg.startswith("missing columns yi, vi: measure GEN needs study,yi,vi") and "use --measure PR, PLO, PAS or PFT" in msg
    [msg] = problems("study,yi,vi\nA,1,1\nB,2,1\n", "PFT")
    assert "missing columns events, n" in msg and "use --measure GEN" in msg


def test_short_rows_empty_files_and_single_studies_are_refused():
    assert problems("study,events,n\nA,1\nB,2,10\n") == ["row 1: has 2 fields, the header has 3"]
    assert problems("") == ["the file has no header and no rows"]
    assert problems("study,events,n\nA,1,10\n") == ["need at least 2 studies, found 1"]


def test_nothing_is_pooled_when_one_row_of_many_is_bad():
    rows = "\n".join(f"S{i},{i},{i + 10}" for i in range(1, 30))
    with pytest.raises(MetaInputError) as err:
        pool_csv(f"study,events,n\n{rows}\nbad,11,10\n", "PLO", "REML")
    assert err.value.problems == ["row 30 (study 'bad'): events (11) > n (10)"]


def test_comments_blank_lines_bom_extra_columns_and_header_case_are_tolerated():
    data = parse_meta_csv("\ufeff# a comment\nStudy, Events ,N,year\n\nA,1,10,2001\nB,2,20,2002\n", "PR")
    assert data.studies == ("A", "B") and data.events == (1, 2) and data.n == (10, 20)


def test_unknown_measure_and_method_are_reported():
    assert problems("study,events,n\nA,1,2\nB,1,2\n", "XYZ") == ["--measure 'XYZ' is not one of PR, PLO, PAS, PFT, GEN"]
    with pytest.raises(MetaInputError, match="--method 'EB' is not one of DL, REML, PM, ML, FE"):
        pool_csv("study,events,n\nA,1,2\nB,1,2\n", "PR", "EB")
