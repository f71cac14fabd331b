package io.patienttwin.fhir;

import org.hl7.fhir.r4.model.Parameters;

/**
 * The patient-twin operations {@code Patient/{id}/$twin} and {@code $simulate}, implemented above
 * this package (by the simulation feature) so that {@code fhir} does not depend on {@code twin} or
 * {@code simulation} (ARCHITECTURE §4). Called on the request thread; implementations read patient
 * data only through {@link ReadService} and report bad input with HAPI's exceptions (400/422, a
 * {@code PT-SIM-…} code first in the message).
 */
public interface TwinOperations {

    /** The patient's twin as Parameters; 404/410 when the patient is unknown or deleted. */
    Parameters twin(String patientId);

    /** Simulates the request's regimens for the patient; see docs/simulation.md for both layouts. */
    Parameters simulate(String patientId, Parameters request);

    /**
     * Reruns the simulation a Provenance records ({@code Provenance/{id}/$reproduce}) and says whether the
     * result is the recorded one exactly; 422 when the Provenance is no simulation record.
     */
    Parameters reproduce(String provenanceId);
}
