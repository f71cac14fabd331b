package io.patienttwin.ledger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Sends the outbox's writes to the chain. Each round, inside one database transaction that holds the
 * writer lock (so one node at a time uses the account's nonces), it takes the due writes in order,
 * sends them as one batch and records what became of each: confirmed, rejected for good, or due
 * again after a backoff. A write that a crash left sent but unrecorded is sent again; the contract
 * answers "…Exists", the writer checks the record on chain is ours, and confirms it: never a second
 * record.
 */
@ApplicationScoped
public class OutboxWriter {

    private static final Logger LOG = Logger.getLogger(OutboxWriter.class);

    /** Custom errors that mean "already done" when a write is sent again. */
    private static final Set<String> ALREADY_DONE = Set.of(
            "ConsentExists",
            "ConsentAlreadyRevoked",
            "AccessGrantExists",
            "AccessGrantAlreadyRevoked",
            "BreakGlassExists",
            "BatchExists");

    private final LedgerClient ledger;
    private final LedgerConfig.Outbox config;
    private final Duration transactionTimeout;
    private final EntityManager entityManager;
    private final Event<OutboxRejected> rejections;
    private final LedgerFollower follower;
    private final BackgroundLoop loop;

    public OutboxWriter(
            LedgerClient ledger,
            LedgerConfig config,
            EntityManager entityManager,
            Event<OutboxRejected> rejections,
            LedgerFollower follower) {
        this.ledger = ledger;
        this.config = config.outbox();
        this.transactionTimeout = config.receiptTimeout().plusSeconds(60);
        this.entityManager = entityManager;
        this.rejections = rejections;
        this.follower = follower;
        this.loop = new BackgroundLoop("ledger-outbox-writer", this.config.pollInterval(), this::runOnce);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts sending (at startup). */
    public void start() {
        loop.start();
    }

    /** Stops after the current batch (at shutdown); queued writes stay queued. */
    public void stop() {
        loop.stop(transactionTimeout);
    }

    /** Looks for due writes now, e.g. right after a transaction that queued one committed. */
    public void wakeUp() {
        loop.wakeUp();
    }

    /**
     * One round: sends the due writes, if this node holds the writer lock.
     *
     * @return how many writes were handled
     */
    public int runOnce() {
        if (follower.status().state() == LedgerFollower.State.HALTED) {
            return 0; // never write to a chain that lost its history before an operator looked at it
        }
        int handled = QuarkusTransaction.requiringNew()
                .timeout((int) transactionTimeout.toSeconds())
                .call(this::sendDue);
        if (handled > 0) {
            follower.wakeUp();
        }
        return handled;
    }

    private int sendDue() {
        List<?> lock = entityManager
                .createNativeQuery("select id from ledger_writer_lock where id = 1 for update skip locked")
                .getResultList();
        if (lock.isEmpty()) {
            return 0; // another node is writing
        }
        Instant now = Instant.now();
        List<OutboxEntry> due = OutboxEntry.<OutboxEntry>find(
                        "state = ?1 and nextAttemptAt <= ?2 order by id", OutboxEntry.State.PENDING, now)
                .page(0, config.batchSize())
                .list();
        List<OutboxEntry> batch = new ArrayList<>();
        for (OutboxEntry entry : due) {
            if (entry.afterId != null) {
                OutboxEntry first = OutboxEntry.findById(entry.afterId);
                if (first.state == OutboxEntry.State.REJECTED || first.state == OutboxEntry.State.SKIPPED) {
                    entry.state = OutboxEntry.State.SKIPPED;
                    entry.completedAt = now;
                    entry.lastError = "skipped: write " + first.id + " it depends on is " + first.state;
                    continue;
                }
                if (first.state != OutboxEntry.State.CONFIRMED) {
                    continue; // sent in a later round, once the first is on chain
                }
            }
            batch.add(entry);
        }
        if (batch.isEmpty()) {
            return due.size() - countPending(due);
        }
        List<Submission> results;
        try {
            results = ledger.submitAll(batch.stream().map(OutboxEntry::call).toList());
        } catch (LedgerException e) {
            for (OutboxEntry entry : batch) {
                entry.attempts += 1;
                retryLater(entry, e.getMessage(), now);
            }
            LOG.debugf("Outbox: %d writes wait, the chain is unreachable: %s", batch.size(), e.getMessage());
            return 0;
        }
        Map<String, Integer> outcomes = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            OutboxEntry entry = batch.get(i);
            record(entry, results.get(i), now);
            outcomes.merge(entry.state.name(), 1, Integer::sum);
        }
        // observers run after every entry is recorded: they may write through other services
        for (OutboxEntry entry : batch) {
            if (entry.state == OutboxEntry.State.REJECTED) {
                rejections.fire(new OutboxRejected(entry.action, entry.recordId, entry.lastError));
            }
        }
        LOG.debugf("Outbox: sent %d writes: %s", batch.size(), outcomes);
        return batch.size();
    }

    private static int countPending(List<OutboxEntry> entries) {
        return (int) entries.stream()
                .filter(e -> e.state == OutboxEntry.State.PENDING)
                .count();
    }

    private void record(OutboxEntry entry, Submission result, Instant now) {
        entry.attempts += 1;
        if (result instanceof Submission.Included included) {
            confirm(
                    entry,
                    included.receipt().transactionHash(),
                    included.receipt().blockNumber(),
                    now);
        } else if (result instanceof Submission.Refused refused) {
            if (refused.error() == null) {
                // reverted on chain without a reason we know: look again after a backoff
                retryLater(entry, refused.message(), now);
            } else if (ALREADY_DONE.contains(refused.error().name())) {
                alreadyOnChain(entry, refused, now);
            } else {
                reject(entry, refused.error().name(), now);
            }
        } else if (result instanceof Submission.NotConfirmed notConfirmed) {
            retryLater(entry, notConfirmed.message(), now);
        }
    }

    /**
     * A retry found the record on chain: ours if it holds our document hash (consent grants) or our
     * Merkle root (anchored batches; the outbox keeps it as the document hash) — else refuse.
     */
    private void alreadyOnChain(OutboxEntry entry, Submission.Refused refused, Instant now) {
        if (entry.action == OutboxEntry.Action.GRANT_CONSENT) {
            Optional<String> onChain;
            try {
                onChain = ledger.consentDocumentHash(Numeric.hexStringToByteArray(entry.recordId));
            } catch (LedgerException e) {
                retryLater(entry, e.getMessage(), now);
                return;
            }
            if (onChain.isEmpty() || !onChain.get().equalsIgnoreCase(entry.documentHash)) {
                reject(entry, "ConsentExists with another document hash", now);
                return;
            }
        }
        if (entry.action == OutboxEntry.Action.ANCHOR_AUDIT_BATCH) {
            Optional<LedgerRecords.Anchored> onChain;
            try {
                onChain = ledger.anchorOf(Numeric.hexStringToByteArray(entry.recordId));
            } catch (LedgerException e) {
                retryLater(entry, e.getMessage(), now);
                return;
            }
            if (onChain.isEmpty() || !onChain.get().merkleRoot().equalsIgnoreCase(entry.documentHash)) {
                reject(entry, "BatchExists with another Merkle root", now);
                return;
            }
        }
        LOG.infof("Outbox: %s %s was already on chain (%s)", entry.action, entry.recordId, refused.error());
        confirm(entry, null, null, now);
    }

    private static void confirm(OutboxEntry entry, String txHash, Long block, Instant now) {
        entry.state = OutboxEntry.State.CONFIRMED;
        entry.txHash = txHash;
        entry.blockNumber = block;
        entry.completedAt = now;
        entry.lastError = null;
    }

    private static void reject(OutboxEntry entry, String reason, Instant now) {
        entry.state = OutboxEntry.State.REJECTED;
        entry.completedAt = now;
        entry.lastError = reason;
        LOG.warnf("Outbox: the chain refuses %s %s: %s", entry.action, entry.recordId, reason);
    }

    private void retryLater(OutboxEntry entry, String error, Instant now) {
        long factor = 1L << Math.min(Math.max(entry.attempts - 1, 0), 20);
        Duration wait = config.initialBackoff().multipliedBy(factor);
        if (wait.compareTo(config.maxBackoff()) > 0) {
            wait = config.maxBackoff();
        }
        entry.nextAttemptAt = now.plus(wait);
        entry.lastError = error == null ? null : error.substring(0, Math.min(error.length(), 1000));
    }
}
