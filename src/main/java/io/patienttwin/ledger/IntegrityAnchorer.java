package io.patienttwin.ledger;

import io.patienttwin.integrity.MerkleTree;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Closes Merkle batches of integrity leaves and anchors their roots on chain (docs/architecture.md,
 * "Integrity"). A batch closes when {@code twin.integrity.batch-size} leaves wait or the oldest has waited
 * {@code twin.integrity.batch-interval}. Closing is one database transaction under the anchor lock (one
 * node at a time): the waiting leaves are assigned to the new batch, the root is computed over exactly
 * those, and the chain write is queued in the ledger outbox in the same transaction — so a crash before
 * the commit leaves nothing behind and the leaves wait for the next batch, and a crash after it leaves a
 * queued write that the outbox sends once (a resend finds {@code BatchExists} and checks the root).
 * Once the outbox has confirmed a batch, its block number and block hash are read back from the chain.
 */
@ApplicationScoped
public class IntegrityAnchorer {

    private static final Logger LOG = Logger.getLogger(IntegrityAnchorer.class);

    /** What waits to be anchored: leaves without a batch, and closed batches not yet on chain. */
    public record Backlog(long waitingLeaves, long unanchoredBatches, Optional<Instant> oldestWaiting) {}

    private final IntegrityConfig config;
    private final boolean outboxEnabled;
    private final LedgerOutbox outbox;
    private final LedgerClient ledger;
    private final EntityManager entityManager;
    private final BackgroundLoop loop;

    public IntegrityAnchorer(
            IntegrityConfig config,
            LedgerConfig ledgerConfig,
            LedgerOutbox outbox,
            LedgerClient ledger,
            EntityManager entityManager) {
        this.config = config;
        this.outboxEnabled = ledgerConfig.outbox().enabled();
        this.outbox = outbox;
        this.ledger = ledger;
        this.entityManager = entityManager;
        this.loop = new BackgroundLoop("integrity-anchorer", config.pollInterval(), this::runOnce);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled() && outboxEnabled) {
            loop.start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        loop.stop(Duration.ofSeconds(30));
    }

    /** Looks now (tests, and after a large write). */
    public void wakeUp() {
        loop.wakeUp();
    }

    /**
     * One round: closes a batch if one is due, and records the chain position of batches the outbox
     * has confirmed.
     *
     * @return how many batches were closed or completed
     */
    public int runOnce() {
        int closed = QuarkusTransaction.requiringNew().call(() -> closeBatch(false));
        return closed + completeAnchored();
    }

    /**
     * Closes a batch of whatever waits now, due or not (tests, and operators before a sweep). Waits for a
     * round another thread or node is in the middle of, then closes what that round left: once this
     * returns, every leaf committed before the call is in a batch.
     */
    public int closeNow() {
        int closed = QuarkusTransaction.requiringNew().call(() -> closeBatch(true));
        return closed + completeAnchored();
    }

    /** Leaves waiting for a batch, and batches waiting for the chain. */
    public Backlog backlog() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object[] waiting = (Object[]) entityManager
                    .createNativeQuery("select count(*), min(recorded_at) from integrity_leaf where batch_id is null")
                    .getSingleResult();
            Number unanchored = (Number) entityManager
                    .createNativeQuery("select count(*) from integrity_batch where block_hash is null")
                    .getSingleResult();
            return new Backlog(
                    ((Number) waiting[0]).longValue(),
                    unanchored.longValue(),
                    Optional.ofNullable(instant(waiting[1])));
        });
    }

    /** A batch as the compliance console lists it. */
    public record BatchView(
            long id,
            int leaves,
            String root,
            boolean anchored,
            Long blockNumber,
            String blockHash,
            String txHash,
            Instant createdAt) {}

    /** The newest batches, newest first. */
    public List<BatchView> recentBatches(int count) {
        return QuarkusTransaction.requiringNew()
                .call(() -> IntegrityBatch.<IntegrityBatch>find("order by id desc").page(0, count).list().stream()
                        .map(b -> new BatchView(
                                b.id,
                                b.leafCount,
                                b.merkleRoot,
                                b.blockHash != null,
                                b.blockNumber,
                                b.blockHash,
                                b.txHash,
                                b.createdAt))
                        .toList());
    }

    /** The newest batch's number, if any batch was closed. */
    public Optional<Long> lastBatch() {
        return QuarkusTransaction.requiringNew().call(() -> Optional.ofNullable((Number) entityManager
                        .createNativeQuery("select max(id) from integrity_batch")
                        .getSingleResult())
                .map(Number::longValue));
    }

    /** Whether the chain holds a batch (its block was read back from the chain). */
    public boolean isAnchored(long batchId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            IntegrityBatch batch = IntegrityBatch.findById(batchId);
            return batch != null && batch.blockHash != null;
        });
    }

    private int closeBatch(boolean force) {
        // a round of its own skips a batch another node is closing; a forced one waits for it to finish
        List<?> lock = entityManager
                .createNativeQuery(
                        "select id from integrity_anchor_lock where id = 1 for update" + (force ? "" : " skip locked"))
                .getResultList();
        if (lock.isEmpty()) {
            return 0; // another node is closing a batch
        }
        Object[] waiting = (Object[]) entityManager
                .createNativeQuery("select count(*), min(recorded_at) from integrity_leaf where batch_id is null")
                .getSingleResult();
        long count = ((Number) waiting[0]).longValue();
        if (count == 0) {
            return 0;
        }
        Instant oldest = instant(waiting[1]);
        boolean due = force
                || count >= config.batchSize()
                || !oldest.isAfter(Instant.now().minus(config.batchInterval()));
        if (!due) {
            return 0;
        }
        long batchId = ((Number) entityManager
                        .createNativeQuery("select coalesce(max(id), 0) + 1 from integrity_batch")
                        .getSingleResult())
                .longValue();
        // the oldest waiting leaves join the batch with their places in it (id order); the batch size is
        // configuration, not input: written as a literal (H2 and PostgreSQL alike)
        entityManager
                .createNativeQuery("merge into integrity_leaf l using (select id, row_number() over (order by id) - 1"
                        + " as place from integrity_leaf where batch_id is null order by id fetch first "
                        + config.batchSize() + " rows only) w on l.id = w.id"
                        + " when matched then update set batch_id = ?1, batch_index = w.place")
                .setParameter(1, batchId)
                .executeUpdate();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager
                .createNativeQuery("select leaf_hash, recorded_at from integrity_leaf where batch_id = ?1 order by id")
                .setParameter(1, batchId)
                .getResultList();
        List<byte[]> leaves = new ArrayList<>(rows.size());
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Object[] row : rows) {
            leaves.add((byte[]) row[0]);
            long at = instant(row[1]).toEpochMilli();
            first = Math.min(first, at);
            last = Math.max(last, at);
        }
        MerkleTree tree = MerkleTree.of(leaves);
        byte[] root = tree.root();
        byte[] chainBatch = chainBatchId(batchId, root);
        OutboxEntry write = outbox.enqueue(
                OutboxEntry.Action.ANCHOR_AUDIT_BATCH,
                chainBatch,
                LedgerCall.anchorAuditBatch(new LedgerRecords.AuditBatch(chainBatch, root, leaves.size(), first, last)),
                root,
                null);
        IntegrityBatch batch = new IntegrityBatch();
        batch.id = batchId;
        batch.chainBatch = Numeric.toHexString(chainBatch);
        batch.merkleRoot = Numeric.toHexString(root);
        batch.leafCount = leaves.size();
        batch.firstTime = first;
        batch.lastTime = last;
        batch.createdAt = Instant.now();
        batch.outboxId = write.id;
        batch.persist();
        entityManager.flush();
        writeLevels(batchId, tree);
        LOG.debugf("Integrity: batch %d closed with %d leaves, root %s", batchId, leaves.size(), batch.merkleRoot);
        return 1;
    }

    /**
     * Stores the levels of a batch closed before they were kept (V8), and its leaves' places: built from
     * its leaf rows, under the anchor lock, once. A proof of such a batch calls this first.
     *
     * @return whether the levels were written now (false when they were there already)
     */
    public boolean storeLevels(long batchId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            entityManager
                    .createNativeQuery("select id from integrity_anchor_lock where id = 1 for update")
                    .getResultList();
            if (hasLevels(batchId)) {
                return false;
            }
            entityManager
                    .createNativeQuery("merge into integrity_leaf l using (select id, row_number() over (order by id)"
                            + " - 1 as place from integrity_leaf where batch_id = ?1) w on l.id = w.id"
                            + " when matched then update set batch_index = w.place")
                    .setParameter(1, batchId)
                    .executeUpdate();
            @SuppressWarnings("unchecked")
            List<byte[]> leaves = entityManager
                    .createNativeQuery("select leaf_hash from integrity_leaf where batch_id = ?1 order by id")
                    .setParameter(1, batchId)
                    .getResultList();
            if (leaves.isEmpty()) {
                throw new IllegalStateException("batch " + batchId + " has no leaf rows");
            }
            writeLevels(batchId, MerkleTree.of(leaves));
            return true;
        });
    }

    /** Whether a batch's levels are stored (level 0 always is, once they are). */
    private boolean hasLevels(long batchId) {
        return !entityManager
                .createNativeQuery("select 1 from integrity_batch_level where batch_id = ?1 and level = 0")
                .setParameter(1, batchId)
                .getResultList()
                .isEmpty();
    }

    private void writeLevels(long batchId, MerkleTree tree) {
        for (int level = 0; level < tree.height(); level++) {
            entityManager
                    .createNativeQuery(
                            "insert into integrity_batch_level (batch_id, level, hashes) values (?1, ?2, ?3)")
                    .setParameter(1, batchId)
                    .setParameter(2, level)
                    .setParameter(3, tree.level(level))
                    .executeUpdate();
        }
    }

    /** The batch id on chain: SHA-256 of the sequence number and the root (never reused by another root). */
    static byte[] chainBatchId(long batchId, byte[] root) {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(("patienttwin-integrity-batch|" + batchId + "|").getBytes(StandardCharsets.US_ASCII));
        return sha.digest(root);
    }

    /** Reads back where the chain holds each batch the outbox confirmed. */
    private int completeAnchored() {
        @SuppressWarnings("unchecked")
        List<Object[]> confirmed = QuarkusTransaction.requiringNew().call(() -> entityManager
                .createNativeQuery("select b.id, b.chain_batch, b.merkle_root, o.tx_hash from integrity_batch b"
                        + " join ledger_outbox o on o.id = b.outbox_id"
                        + " where b.block_hash is null and o.state = 'CONFIRMED' order by b.id")
                .setMaxResults(100)
                .getResultList());
        int completed = 0;
        for (Object[] row : confirmed) {
            long id = ((Number) row[0]).longValue();
            String chainBatch = (String) row[1];
            String root = (String) row[2];
            Optional<LedgerRecords.Anchored> anchored;
            Optional<String> blockHash;
            try {
                anchored = ledger.anchorOf(Numeric.hexStringToByteArray(chainBatch));
                blockHash = anchored.isEmpty()
                        ? Optional.empty()
                        : ledger.blockHash(anchored.get().blockNumber());
            } catch (LedgerException e) {
                LOG.debugf("Integrity: the chain is unreachable: %s", e.getMessage());
                return completed;
            }
            if (anchored.isEmpty() || !anchored.get().merkleRoot().equalsIgnoreCase(root)) {
                LOG.errorf(
                        "PT-INTEGRITY: batch %d (%s) is confirmed by the outbox, but the chain holds %s",
                        id,
                        chainBatch,
                        anchored.map(LedgerRecords.Anchored::merkleRoot).orElse("nothing"));
                continue;
            }
            if (blockHash.isEmpty()) {
                continue;
            }
            long block = anchored.get().blockNumber();
            String hash = blockHash.get();
            QuarkusTransaction.requiringNew().run(() -> {
                IntegrityBatch batch = IntegrityBatch.findById(id);
                batch.blockNumber = block;
                batch.blockHash = hash;
                batch.txHash = (String) row[3];
                batch.anchoredAt = Instant.now();
            });
            completed++;
        }
        return completed;
    }

    static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof java.time.ZonedDateTime zoned) {
            return zoned.toInstant();
        }
        throw new IllegalArgumentException("not a timestamp: " + value.getClass());
    }
}
