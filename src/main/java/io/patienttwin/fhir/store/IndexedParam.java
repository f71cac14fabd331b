package io.patienttwin.fhir.store;

import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.Set;

/**
 * A search parameter of one resource type as the store indexes it: its name, type, parsed FHIRPath
 * expression, the resource types it may point at, and whether it places the resource in a patient's
 * compartment.
 */
record IndexedParam(
        String name,
        RestSearchParameterTypeEnum type,
        String path,
        IFhirPath.IParsedExpression expression,
        Set<String> targets,
        boolean patientCompartment) {}
