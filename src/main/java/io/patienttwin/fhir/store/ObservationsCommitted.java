package io.patienttwin.fhir.store;

import java.util.List;

/**
 * Observations of one patient that a transaction stored, announced (a CDI event) once it has committed:
 * their references ({@code Observation/{id}}), in the order written, never their content. Whoever hears
 * it and wants the data reads it through the gate like any other read (the portal's live twin does).
 */
public record ObservationsCommitted(String patientId, List<String> observations) {

    public ObservationsCommitted {
        observations = List.copyOf(observations);
    }
}
