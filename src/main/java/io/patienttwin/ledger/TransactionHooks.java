package io.patienttwin.ledger;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Work to run once the current transaction has ended: after a commit (an index updated only with what
 * is durable, a writer woken up) or after a rollback (an index change undone). Runs on the thread that
 * ends the transaction; the work must be quick and must not fail.
 */
public final class TransactionHooks {

    private TransactionHooks() {}

    /** Runs {@code action} if the current transaction commits. */
    public static void afterCommit(TransactionSynchronizationRegistry transactions, Runnable action) {
        register(transactions, true, action);
    }

    /** Runs {@code action} if the current transaction does not commit. */
    public static void afterRollback(TransactionSynchronizationRegistry transactions, Runnable action) {
        register(transactions, false, action);
    }

    private static void register(TransactionSynchronizationRegistry transactions, boolean onCommit, Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if ((status == Status.STATUS_COMMITTED) == onCommit) {
                    action.run();
                }
            }
        });
    }
}
