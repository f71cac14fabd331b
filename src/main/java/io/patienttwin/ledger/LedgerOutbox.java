package io.patienttwin.ledger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.Optional;
import org.web3j.utils.Numeric;

/**
 * The transactional outbox of chain writes. A caller queues a write in its own database transaction,
 * next to the data it records, so either both are stored or neither; once that transaction commits,
 * the {@link OutboxWriter} sends it.
 */
@ApplicationScoped
public class LedgerOutbox {

    private final TransactionSynchronizationRegistry transactions;
    private final OutboxWriter writer;

    public LedgerOutbox(TransactionSynchronizationRegistry transactions, OutboxWriter writer) {
        this.transactions = transactions;
        this.writer = writer;
    }

    /**
     * Queues a write in the current transaction.
     *
     * @param recordId the on-chain id the write is about (consent, grant, event or batch id)
     * @param documentHash for a consent grant, its document hash (lets a retry recognise its own record)
     * @param after a queued write that must be on chain first (a revocation waits for its grant), or null
     * @return the queued entry
     * @throws IllegalStateException without a transaction
     */
    public OutboxEntry enqueue(
            OutboxEntry.Action action, byte[] recordId, LedgerCall call, byte[] documentHash, OutboxEntry after) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException("a chain write is queued inside the transaction of the data it records");
        }
        OutboxEntry entry = new OutboxEntry();
        entry.action = action;
        entry.recordId = Numeric.toHexString(recordId);
        entry.contract = call.contract();
        entry.callData = call.data();
        entry.documentHash = documentHash == null ? null : Numeric.toHexString(documentHash);
        entry.afterId = after == null ? null : after.id;
        entry.state = OutboxEntry.State.PENDING;
        entry.attempts = 0;
        entry.createdAt = Instant.now();
        entry.nextAttemptAt = entry.createdAt;
        entry.persist();
        TransactionHooks.afterCommit(transactions, writer::wakeUp);
        return entry;
    }

    /** The queued write of an action for a record, if any. */
    public Optional<OutboxEntry> find(OutboxEntry.Action action, byte[] recordId) {
        return OutboxEntry.find("action = ?1 and recordId = ?2", action, Numeric.toHexString(recordId))
                .firstResultOptional();
    }

    /** How many writes wait to be sent (or sent again). */
    public long backlog() {
        return OutboxEntry.count("state", OutboxEntry.State.PENDING);
    }
}
