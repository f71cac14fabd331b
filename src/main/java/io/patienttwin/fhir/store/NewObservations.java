package io.patienttwin.fhir.store;

import io.agroal.api.AgroalDataSource;
import io.patienttwin.consent.ProjectionChanges;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
 * if, the transaction commits, sent just before the commit on the transaction's connection. Elsewhere
 * (H2 in dev mode, one node) it is a CDI event fired after the commit. Nothing is announced for a transaction that rolls back; a
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

    @Inject
    transient AgroalDataSource dataSource;

    private final Map<String, Set<String>> byPatient = new LinkedHashMap<>();
    private boolean registered;

    /** Notes a stored Observation of a patient. */
    void stored(String patientId, String id) {
        Set<String> ids = byPatient.computeIfAbsent(patientId, p -> new LinkedHashSet<>());
        if (ids.size() >= MAX_ANNOUNCED || !ids.add("Observation/" + id) || registered) {
            return;
        }
        registered = true;
        boolean notify = changes.active();
        synchronizations.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                if (notify) {
                    notifyAllNodes();
                }
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED && !notify) {
                    announce();
                }
            }
        });
    }

    /**
     * One NOTIFY per patient and {@link ObservationsCommitted#PER_NOTIFICATION} Observations, on the
     * transaction's own connection (the pool hands the connection enlisted in the transaction back, so the
     * notifications are delivered with its commit, or not at all).
     */
    private void notifyAllNodes() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
            for (Map.Entry<String, Set<String>> patient : byPatient.entrySet()) {
                List<String> ids = new ArrayList<>(patient.getValue());
                for (int i = 0; i < ids.size(); i += ObservationsCommitted.PER_NOTIFICATION) {
                    List<String> chunk =
                            ids.subList(i, Math.min(ids.size(), i + ObservationsCommitted.PER_NOTIFICATION));
                    notify.setString(1, ObservationsCommitted.CHANNEL);
                    notify.setString(2, new ObservationsCommitted(patient.getKey(), chunk).payload());
                    notify.execute();
                }
            }
        } catch (SQLException e) {
            // the write stands; only live views miss it
            LOG.warnf("PT-STORE-ANNOUNCE: could not announce new Observations (%s)", e.getMessage());
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
