package io.patienttwin.fhir.store;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.Serializable;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.hibernate.Session;

/**
 * Index changes and integrity leaves of the current transaction, written in batches: at each chunk
 * boundary of a large Bundle and, at the latest, just before the transaction commits. One instance per
 * transaction.
 */
@TransactionScoped
class PendingWrites implements Serializable {

    /** The index rows of one resource version. */
    record Indexed(String type, ResourceIndex index) {}

    /** The integrity leaf of one stored version (integrity.Leaves). */
    record Leaf(String type, String id, long version, byte[] hash, java.time.Instant at) {}

    @Inject
    transient EntityManager entityManager;

    @Inject
    transient TransactionSynchronizationRegistry synchronizations;

    private final Set<Long> stale = new LinkedHashSet<>();
    private final Map<Long, Indexed> fresh = new LinkedHashMap<>();
    private final java.util.List<Leaf> leaves = new java.util.ArrayList<>();
    private boolean registered;

    /** Replaces the index rows of a resource: its old rows go, the new ones (if any) come. */
    void reindex(long pid, boolean existedBefore, String type, ResourceIndex index) {
        if (existedBefore) {
            stale.add(pid);
        }
        if (index == null) {
            fresh.remove(pid);
        } else {
            fresh.put(pid, new Indexed(type, index));
        }
        registerFlush();
    }

    /** Queues the integrity leaf of a version, written with the transaction. */
    void leaf(Leaf leaf) {
        leaves.add(leaf);
        registerFlush();
    }

    private void registerFlush() {
        if (!registered) {
            registered = true;
            synchronizations.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    flush();
                }

                @Override
                public void afterCompletion(int status) {}
            });
        }
    }

    int size() {
        return fresh.size() + stale.size() + leaves.size();
    }

    /** Writes the entity changes, then the index rows, and empties the persistence context. */
    void flush() {
        if (fresh.isEmpty() && stale.isEmpty() && leaves.isEmpty()) {
            return;
        }
        entityManager.flush();
        entityManager.unwrap(Session.class).doWork(connection -> {
            try {
                IndexWriter.delete(connection, stale);
                IndexWriter.insert(connection, fresh);
                IndexWriter.insertLeaves(connection, leaves);
            } catch (SQLException e) {
                throw e.getNextException() != null ? e.getNextException() : e;
            }
        });
        stale.clear();
        fresh.clear();
        leaves.clear();
        entityManager.clear();
    }
}
