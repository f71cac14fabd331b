package io.patienttwin.fhir.store;

import io.patienttwin.consent.ProjectionChanges;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The Observations the current transaction stores, per patient, announced as {@link
 * ObservationsCommitted} once it has committed (whoever wrote them: a device, an EHR system, a Bundle),
 * at most {@link #MAX_ANNOUNCED} of a patient per transaction (what is new to a live view, not a bulk
 * load's backlog).
 *
 * <p>On PostgreSQL with projection changes on, the announcement is a {@code NOTIFY} on {@link
 * ObservationsCommitted#CHANNEL}, which PostgreSQL delivers to every node (this one too) when, and only
 * if, the transaction commits. It is sent as the store finishes each write ({@link #send}, from {@link
 * ResourceStore#flushIfAtLeast}), inside the transaction: a synchronization before completion comes too
 * late, after the pool has taken the transaction's connection back. Elsewhere (H2 in dev mode, one node)
 * it is a CDI event fired after the commit. Nothing is announced for a transaction that rolls back; a
 * listener that fails cannot fail the write. One instance per transaction.
 */
@TransactionScoped
class NewObservations implements Serializable {

    private static final Logger LOG = Logger.getLogger(NewObservations.class);

    static final int MAX_ANNOUNCED = 200;

    @Inject
    transient TransactionSynchronizationRegistry synchronizations;

    @Inject
    transient Event<ObservationsCommitted> committed;

    @Inject
    transient ProjectionChanges changes;

    private final Map<String, Set<String>> byPatient = new LinkedHashMap<>();
    private final Map<String, List<String>> unsent = new LinkedHashMap<>();
    private boolean registered;

    /** Notes a stored Observation of a patient. */
    void stored(String patientId, String id) {
        Set<String> ids = byPatient.computeIfAbsent(patientId, p -> new LinkedHashSet<>());
        String reference = "Observation/" + id;
        if (ids.size() >= MAX_ANNOUNCED || !ids.add(reference)) {
            return;
        }
        if (changes.active()) {
            unsent.computeIfAbsent(patientId, p -> new ArrayList<>()).add(reference);
        } else if (!registered) {
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

    /** Sends the NOTIFYs of what was stored since the last call (delivered if the transaction commits). */
    void send() {
        if (unsent.isEmpty()) {
            return;
        }
        unsent.forEach((patientId, ids) -> {
            for (int i = 0; i < ids.size(); i += ObservationsCommitted.PER_NOTIFICATION) {
                List<String> chunk = ids.subList(i, Math.min(ids.size(), i + ObservationsCommitted.PER_NOTIFICATION));
                changes.notify(ObservationsCommitted.CHANNEL, new ObservationsCommitted(patientId, chunk).payload());
            }
        });
        unsent.clear();
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
