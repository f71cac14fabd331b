package io.patienttwin.fhir.store;

import jakarta.transaction.TransactionScoped;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The managing organization of each patient the current transaction has looked up or written, so that
 * a Bundle of thousands of one patient's resources looks the patient up once, and sees the Patient it
 * wrote itself before the store has flushed it. One instance per transaction.
 */
@TransactionScoped
class TransactionCustodians implements Serializable {

    private final Map<String, Optional<String>> byPatient = new HashMap<>();

    /** The known managing organization ({@code Organization/x} or empty), or null when not known yet. */
    Optional<String> get(String patientId) {
        return byPatient.get(patientId);
    }

    void put(String patientId, Optional<String> custodian) {
        byPatient.put(patientId, custodian);
    }
}
