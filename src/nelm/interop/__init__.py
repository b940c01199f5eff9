"""EHR interoperability: FHIR R4 / mCODE bundles in, FHIR guidance out. Pure mapping code: no I/O."""
