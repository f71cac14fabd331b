package io.patienttwin.fhir.store;

import java.util.List;

/**
 * Observations of one patient that a transaction stored, announced (a CDI event) once it has committed:
 * their references ({@code Observation/{id}}), in the order written, never their content. Whoever hears
 * it and wants the data reads it through the gate like any other read (the portal's live twin does).
 */
public record ObservationsCommitted(String patientId, List<String> observations) {

    /**
     * The PostgreSQL channel that carries it to every node (payload {@link #payload}), so a live page
     * served by one node hears what another stored.
     */
    public static final String CHANNEL = "patienttwin_observations";

    /** References per notification at most: a notification's payload must stay under 8,000 bytes. */
    static final int PER_NOTIFICATION = 90;

    public ObservationsCommitted {
        observations = List.copyOf(observations);
    }

    /** {@code patientId|Observation/a,Observation/b}: ids hold neither '|' nor ','. */
    public String payload() {
        return patientId + "|" + String.join(",", observations);
    }

    /** The event a {@link #payload} describes. */
    public static ObservationsCommitted parse(String payload) {
        int bar = payload.indexOf('|');
        if (bar <= 0 || bar == payload.length() - 1) {
            throw new IllegalArgumentException("not a payload of " + CHANNEL + ": " + payload);
        }
        return new ObservationsCommitted(
                payload.substring(0, bar), List.of(payload.substring(bar + 1).split(",")));
    }
}
