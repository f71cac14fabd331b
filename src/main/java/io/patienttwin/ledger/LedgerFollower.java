package io.patienttwin.ledger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.hibernate.Session;
import org.jboss.logging.Logger;

/**
 * Reads ConsentRegistry's events from the chain, block range by block range from the last processed
 * block, and applies them: each range's events are stored (idempotently, keyed by block hash and log
 * index), handed to the projections ({@link RegistryEventsRead}) and the cursor moved, all in one
 * database transaction, so a crash or restart resumes exactly where it stopped.
 *
 * <p>Before each range it checks that the chain still is the one it read: same genesis block and
 * contract, the last processed block still there with the same hash. If not, it stops and raises
 * {@link ChainHistoryLost}: a consent state learnt from a chain that lost it must not keep permitting
 * reads. {@link #rebuild()} starts again from block 0.
 */
@ApplicationScoped
public class LedgerFollower {

    private static final Logger LOG = Logger.getLogger(LedgerFollower.class);

    /** What the follower is doing, for health and status. */
    public enum State {
        STARTING,
        FOLLOWING,
        UNREACHABLE,
        HALTED,
        DISABLED
    }

    /**
     * @param processedBlock last block applied, -1 before the first
     * @param headBlock the chain's head at the last look, -1 when never seen
     * @param message why the follower halted or cannot reach the chain, else null
     */
    public record Status(State state, long processedBlock, long headBlock, String message) {
        /** Blocks the projection is behind the chain's head. */
        public long lag() {
            return headBlock < 0 ? 0 : Math.max(0, headBlock - processedBlock);
        }
    }

    private static final String INSERT_EVENT = "insert into ledger_event (block_hash, log_index, block_number,"
            + " tx_hash, event, record_id, patient, subject, categories, purposes, valid_from, valid_until, detail,"
            + " kind) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing";

    private final LedgerClient ledger;
    private final LedgerConfig.Follower config;
    private final EntityManager entityManager;
    private final Event<RegistryEventsRead> applied;
    private final Event<ProjectionReset> resets;
    private final Event<ChainHistoryLost> losses;
    private final BackgroundLoop loop;
    private volatile Status status = new Status(State.STARTING, -1, -1, null);

    public LedgerFollower(
            LedgerClient ledger,
            LedgerConfig config,
            EntityManager entityManager,
            Event<RegistryEventsRead> applied,
            Event<ProjectionReset> resets,
            Event<ChainHistoryLost> losses) {
        this.ledger = ledger;
        this.config = config.follower();
        this.entityManager = entityManager;
        this.applied = applied;
        this.resets = resets;
        this.losses = losses;
        this.loop = new BackgroundLoop("ledger-follower", this.config.pollInterval(), this::runOnce);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            loop.start();
        } else {
            status = new Status(State.DISABLED, -1, -1, "twin.ledger.follower.enabled=false");
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        loop.stop(Duration.ofSeconds(30));
    }

    public Status status() {
        return status;
    }

    /** Looks at the chain now, e.g. right after the outbox writer's transactions were included. */
    public void wakeUp() {
        loop.wakeUp();
    }

    /**
     * Forgets everything read from the chain and reads it again from block 0: after an operator
     * checked a {@link ChainHistoryLost}, or to verify the projection. Blocks until the events are
     * deleted; the follower then catches up in the background.
     */
    public void rebuild() {
        long started = System.nanoTime();
        loop.stop(Duration.ofSeconds(30));
        QuarkusTransaction.requiringNew().run(() -> {
            entityManager.createNativeQuery("delete from ledger_event").executeUpdate();
            entityManager.createNativeQuery("delete from ledger_cursor").executeUpdate();
            resets.fire(new ProjectionReset());
        });
        status = new Status(State.STARTING, -1, status.headBlock(), null);
        LOG.infof(
                "Ledger follower: projection reset in %d ms; reading the chain again from block 0",
                (System.nanoTime() - started) / 1_000_000);
        if (config.enabled()) {
            loop.start();
        }
    }

    /**
     * Reads and applies the next range of blocks.
     *
     * @return how many blocks were applied (0: up to date, halted or unreachable)
     */
    public int runOnce() {
        if (status.state() == State.HALTED) {
            return 0;
        }
        ChainFacts facts;
        try {
            facts = ledger.chainFacts();
        } catch (LedgerException e) {
            status = new Status(State.UNREACHABLE, status.processedBlock(), status.headBlock(), e.getMessage());
            return 0;
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> step(facts));
        } catch (LedgerException e) {
            LOG.debugf("Ledger follower: %s", e.getMessage());
            status = new Status(State.UNREACHABLE, status.processedBlock(), facts.headBlock(), e.getMessage());
            return 0;
        }
    }

    /** One step with chain facts read beforehand (tests: facts read before another node advanced). */
    int stepWith(ChainFacts facts) {
        return QuarkusTransaction.requiringNew().call(() -> step(facts));
    }

    private int step(ChainFacts before) {
        LedgerCursor cursor = LedgerCursor.findById(LedgerCursor.ID, LockModeType.PESSIMISTIC_WRITE);
        // The chain as it is now that the cursor is ours: another node may have advanced the cursor past
        // the head read before the lock (it waited on this row), which is no lost history.
        ChainFacts facts = cursor == null || cursor.processedBlock <= before.headBlock() ? before : ledger.chainFacts();
        if (cursor == null) {
            cursor = new LedgerCursor();
            cursor.id = LedgerCursor.ID;
            cursor.chainId = facts.chainId();
            cursor.genesisHash = facts.genesisHash();
            cursor.registry = facts.consentRegistry();
            cursor.processedBlock = -1;
            cursor.updatedAt = Instant.now();
            cursor.persist();
        }
        Optional<String> lost = historyLost(cursor, facts);
        if (lost.isPresent()) {
            halt(cursor, facts, lost.get());
            return 0;
        }
        long target = facts.headBlock() - config.confirmations();
        if (target <= cursor.processedBlock) {
            status = new Status(State.FOLLOWING, cursor.processedBlock, facts.headBlock(), null);
            return 0;
        }
        long from = cursor.processedBlock + 1;
        long to = Math.min(target, cursor.processedBlock + config.maxBlockRange());
        long t0 = System.nanoTime();
        List<RegistryEvent> events = ledger.registryEvents(from, to);
        long t1 = System.nanoTime();
        store(events);
        long t2 = System.nanoTime();
        applied.fire(new RegistryEventsRead(facts.consentRegistry(), events));
        long t3 = System.nanoTime();
        String hash = ledger.blockHash(to)
                .orElseThrow(() -> new LedgerException("block " + to + " vanished while reading it", null, null, null));
        // a statement, not the entity: observers may have cleared the persistence context
        entityManager
                .createNativeQuery(
                        "update ledger_cursor set processed_block = ?1, processed_hash = ?2, updated_at = ?3 where id = ?4")
                .setParameter(1, to)
                .setParameter(2, hash)
                .setParameter(3, Instant.now())
                .setParameter(4, LedgerCursor.ID)
                .executeUpdate();
        status = new Status(State.FOLLOWING, to, facts.headBlock(), null);
        LOG.debugf(
                "Ledger follower: blocks %d..%d, %d events: read %d ms, stored %d ms, applied %d ms",
                from, to, events.size(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        return (int) (to - from + 1);
    }

    private Optional<String> historyLost(LedgerCursor cursor, ChainFacts facts) {
        if (!cursor.genesisHash.equalsIgnoreCase(facts.genesisHash())) {
            return Optional.of("the chain's genesis block changed from " + cursor.genesisHash + " to "
                    + facts.genesisHash() + ": it is another chain, or it was reset");
        }
        if (!cursor.registry.equalsIgnoreCase(facts.consentRegistry())) {
            return Optional.of("ConsentRegistry moved from " + cursor.registry + " to " + facts.consentRegistry());
        }
        if (cursor.processedBlock > facts.headBlock()) {
            return Optional.of("the chain's head " + facts.headBlock() + " lies before block " + cursor.processedBlock
                    + ", which was already processed: the chain lost blocks");
        }
        if (cursor.processedHash != null) {
            Optional<String> hash = ledger.blockHash(cursor.processedBlock);
            if (hash.isEmpty() || !hash.get().equalsIgnoreCase(cursor.processedHash)) {
                return Optional.of("block " + cursor.processedBlock + " is no longer " + cursor.processedHash + " (now "
                        + hash.orElse("missing") + "): the chain was reorganised or reset");
            }
        }
        return Optional.empty();
    }

    private void halt(LedgerCursor cursor, ChainFacts facts, String reason) {
        String message = "Chain history lost: " + reason + ". Consents learnt from the chain no longer permit"
                + " reads. Check the node, then rebuild the projection (POST /api/ledger/rebuild).";
        LOG.error(message);
        status = new Status(State.HALTED, cursor.processedBlock, facts.headBlock(), message);
        losses.fire(new ChainHistoryLost(message));
    }

    private void store(List<RegistryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        entityManager.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT_EVENT)) {
                for (RegistryEvent event : events) {
                    bind(insert, event);
                    insert.addBatch();
                }
                insert.executeBatch();
            } catch (SQLException e) {
                throw e.getNextException() != null ? e.getNextException() : e;
            }
        });
    }

    private static void bind(PreparedStatement insert, RegistryEvent event) throws SQLException {
        RegistryEvent.Position at = event.position();
        insert.setString(1, at.blockHash());
        insert.setInt(2, at.logIndex());
        insert.setLong(3, at.blockNumber());
        insert.setString(4, at.transactionHash());
        insert.setString(5, event.getClass().getSimpleName());
        insert.setString(6, event.recordId());
        for (int i = 7; i <= 14; i++) {
            insert.setNull(i, i == 7 || i == 8 || i == 13 ? Types.VARCHAR : Types.BIGINT);
        }
        if (event instanceof RegistryEvent.ConsentGranted e) {
            insert.setString(7, e.patient());
            insert.setString(8, e.grantee());
            insert.setLong(9, e.categories());
            insert.setInt(10, e.purposes());
            insert.setLong(11, e.validFrom());
            insert.setLong(12, e.validUntil());
            insert.setString(13, e.documentHash());
        } else if (event instanceof RegistryEvent.ConsentRevoked e) {
            insert.setString(7, e.patient());
            insert.setString(13, e.reason());
        } else if (event instanceof RegistryEvent.AccessGranted e) {
            insert.setString(8, e.subject());
            insert.setString(13, e.target());
            insert.setLong(12, e.validUntil());
            insert.setInt(14, e.kind());
        } else if (event instanceof RegistryEvent.AccessRevoked e) {
            insert.setString(8, e.subject());
            insert.setInt(14, e.kind());
        } else if (event instanceof RegistryEvent.BreakGlassRecorded e) {
            insert.setString(7, e.patient());
            insert.setString(8, e.principal());
            insert.setString(13, e.reasonHash());
            insert.setLong(11, e.validFrom());
            insert.setLong(12, e.validUntil());
        }
    }
}
