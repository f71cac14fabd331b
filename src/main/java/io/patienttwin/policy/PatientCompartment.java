package io.patienttwin.policy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resource types that can belong to a patient's record: Patient itself and every R4 type with a
 * search parameter that gives membership in the Patient compartment (as HL7's compartment definition
 * says: {@code Observation.subject}, {@code Encounter.patient}, {@code Group.member}, …). A resource of
 * such a type that names no patient is nobody's, and no rule may let nobody's patient data out: the
 * store refuses to write it, and the decision point denies reading it. Immutable; built once.
 */
public final class PatientCompartment {

    private static final Set<String> TYPES = build();

    private PatientCompartment() {}

    /** Whether resources of a type can belong to a patient's compartment. */
    public static boolean contains(String resourceType) {
        return TYPES.contains(resourceType);
    }

    /** All such types, sorted. */
    public static Set<String> types() {
        return TYPES;
    }

    private static Set<String> build() {
        FhirContext fhir = FhirContext.forR4Cached();
        Set<String> types = new TreeSet<>();
        types.add("Patient");
        for (String type : fhir.getResourceTypes()) {
            for (RuntimeSearchParam param : fhir.getResourceDefinition(type).getSearchParams()) {
                if (param.getProvidesMembershipInCompartments() != null
                        && param.getProvidesMembershipInCompartments().contains("Patient")) {
                    types.add(type);
                    break;
                }
            }
        }
        return Set.copyOf(types);
    }
}
