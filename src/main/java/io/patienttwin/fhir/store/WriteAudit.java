package io.patienttwin.fhir.store;

import io.patienttwin.policy.Decision;
import io.patienttwin.policy.ReadContext;
import jakarta.inject.Inject;
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

/**
 * The permitted writes of the current transaction, audited just before it commits: one record per
 * writer, interaction and patient, naming every resource written (at most {@link #MAX_ENTITIES} per
 * record), with the reasons and the consents or grants that permitted them. A write request therefore
 * waits for its audit record like a read does; a Bundle of thousands of one patient's resources adds a
 * handful of records, not thousands. If the audit cannot be written the transaction rolls back and the
 * request fails with 503 {@code PT-AUDIT-503}: no write without its record. The permits of a
 * transaction that rolls back for another reason are not recorded (nothing of it was written; a denial
 * that caused it is, at once, by {@link WriteGate}). One instance per transaction.
 */
@TransactionScoped
class WriteAudit implements Serializable {

    /** Entities named in one audit record at most; a larger group gets several records. */
    static final int MAX_ENTITIES = 1000;

    @Inject
    transient AccessLog log;

    @Inject
    transient TransactionSynchronizationRegistry synchronizations;

    private record Key(ReadContext context, String interaction, String patientId) {}

    private static final class Group {
        final Set<String> entities = new LinkedHashSet<>();
        final List<Decision> decisions = new ArrayList<>();
    }

    private final Map<Key, Group> groups = new LinkedHashMap<>();
    private boolean registered;

    /** Notes a permitted write of {@code entity} ({@code Type/id}); audited when the transaction commits. */
    void permitted(ReadContext context, String interaction, String entity, String patientId, Decision decision) {
        Group group = groups.computeIfAbsent(new Key(context, interaction, patientId), k -> new Group());
        if (group.entities.add(entity)) {
            group.decisions.add(decision);
        }
        if (!registered) {
            registered = true;
            synchronizations.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    write();
                }

                @Override
                public void afterCompletion(int status) {}
            });
        }
    }

    private void write() {
        groups.forEach((key, group) -> {
            List<String> entities = new ArrayList<>(group.entities);
            for (int from = 0; from < entities.size(); from += MAX_ENTITIES) {
                int to = Math.min(entities.size(), from + MAX_ENTITIES);
                log.writesPermitted(
                        key.context(),
                        key.interaction(),
                        key.patientId(),
                        entities.subList(from, to),
                        group.decisions.subList(from, to));
            }
        });
        groups.clear();
    }
}
