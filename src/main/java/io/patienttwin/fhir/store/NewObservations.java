package io.patienttwin.fhir.store;

import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The Observations the current transaction stores, per patient, announced as {@link
 * ObservationsCommitted} once it has committed (whoever wrote them: a device, an EHR system, a Bundle).
 * Nothing is announced for a transaction that rolls back; a listener that fails cannot fail the write,
 * which is done by then. One instance per transaction.
 */
@TransactionScoped
class NewObservations implements Serializable {

    private static final Logger LOG = Logger.getLogger(NewObservations.class);

    @Inject
    transient TransactionSynchronizationRegistry synchronizations;

    @Inject
    transient Event<ObservationsCommitted> committed;

    private final Map<String, Set<String>> byPatient = new LinkedHashMap<>();
    private boolean registered;

    /** Notes a stored Observation of a patient. */
    void stored(String patientId, String id) {
        byPatient.computeIfAbsent(patientId, p -> new LinkedHashSet<>()).add("Observation/" + id);
        if (!registered) {
            registered = true;
            synchronizations.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        announce();
                    }
                }
            });
        }
    }

    private void announce() {
        byPatient.forEach((patientId, ids) -> {
            try {
                committed.fire(new ObservationsCommitted(patientId, new ArrayList<>(ids)));
            } catch (RuntimeException e) {
                LOG.warnf("PT-STORE-ANNOUNCE: a listener failed on new Observations (%s)", e.toString());
            }
        });
    }
}
