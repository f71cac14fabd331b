package io.patienttwin.audit;

import io.agroal.api.AgroalDataSource;
import io.patienttwin.integrity.Leaves;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The access audit: {@link #record} returns once the record is committed to the database, so no
 * response leaves before its audit record is durable. Records of concurrent requests share one
 * commit (group commit): a writer thread takes everything queued, writes it in one transaction and
 * then releases every waiting caller. If the record cannot be written in time, the caller gets an
 * {@link AuditUnavailableException} and the access does not happen.
 *
 * <p>The writer waits for records that may be on their way: while more requests are in progress
 * ({@link #open}, counted by {@link RequestsInFlight}) than records are unwritten, it holds the group
 * open for them, at most {@code twin.audit.group-commit-wait} after its first record. Alone, a record
 * is written at once; under load, one commit serves many reads. The insert and the commit, not the
 * wait, are what the audit costs (docs/benchmarks.md, "Policy gate"), so fewer and larger groups are
 * what make it cheap.
 *
 * <p>The count must come back down: a request counted but never closed would make every group wait
 * the whole group-commit wait while the CPU idles (on 2026-11-26 the end handler never ran for servlet
 * requests, and reads idled a third of the time). So a request that has been in progress longer than
 * {@link #STALE_AFTER} no longer counts, whatever happens to its close.
 */
@ApplicationScoped
public class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);
    private static final int MAX_BATCH = 500;

    /** A request in progress for longer than this is not waited for: no group waits on a lost close. */
    static final Duration STALE_AFTER = Duration.ofSeconds(2);

    private record Pending(AuditRecord record, CompletableFuture<Void> done) {}

    /** Put in the queue when a request ends while the writer gathers a group: look again. */
    private static final Pending WAKE = new Pending(null, null);

    /** A request in progress that may still record decisions. */
    public interface Call extends AutoCloseable {
        @Override
        void close();
    }

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Set<OpenCall> open = ConcurrentHashMap.newKeySet();
    /**
     * Records handed to the writer and not yet written, counted down by the writer itself when it has
     * written them: a caller that counted itself out on waking would still be counted when the writer
     * gathers its next group, and the writer would close that group too early. Each commit costs
     * PostgreSQL about 125 µs of CPU, a row about 9 µs (src/bench/audit-insert-bench.sh).
     */
    private final AtomicInteger unwritten = new AtomicInteger();

    private final Duration timeout;
    private final long groupWaitNanos;
    private final AgroalDataSource dataSource;
    /** Whether records get their integrity leaf (off only to measure what the leaves cost). */
    private final boolean leaves;

    private volatile boolean gathering;
    private volatile Thread writer;
    private volatile boolean running;

    public AuditTrail(
            @ConfigProperty(name = "twin.audit.write-timeout", defaultValue = "10s") Duration timeout,
            @ConfigProperty(name = "twin.audit.group-commit-wait", defaultValue = "10ms") Duration groupWait,
            @ConfigProperty(name = "twin.integrity.leaves", defaultValue = "true") boolean leaves,
            AgroalDataSource dataSource) {
        this.timeout = timeout;
        this.leaves = leaves;
        this.groupWaitNanos = groupWait.toNanos();
        this.dataSource = dataSource;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        Thread thread = new Thread(this::writeLoop, "audit-writer");
        thread.setDaemon(true);
        writer = thread;
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        Thread thread = writer;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Announces a request that may record decisions: the writer holds its current group open for it (up
     * to the group-commit wait). Close it when the request is done, recorded or not; closing twice
     * counts once.
     */
    public Call open() {
        OpenCall call = new OpenCall(System.nanoTime());
        open.add(call);
        return call;
    }

    /** How many requests are in progress (opened, not closed, and not stale). */
    public int inProgress() {
        long staleBefore = System.nanoTime() - STALE_AFTER.toNanos();
        int count = 0;
        for (OpenCall call : open) {
            if (call.openedAt - staleBefore < 0) {
                open.remove(call);
            } else {
                count++;
            }
        }
        return count;
    }

    /** A {@link Call} by identity, with the time it was opened. */
    private final class OpenCall implements Call {
        private final long openedAt;

        OpenCall(long openedAt) {
            this.openedAt = openedAt;
        }

        @Override
        public void close() {
            if (open.remove(this) && gathering) {
                queue.add(WAKE);
            }
        }
    }

    /**
     * Records an access decision and waits until it is durable.
     *
     * @throws AuditUnavailableException when the record could not be committed within the write timeout
     */
    public void record(AuditRecord record) {
        Pending pending = new Pending(record, new CompletableFuture<>());
        unwritten.incrementAndGet();
        queue.add(pending);
        try {
            pending.done().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditUnavailableException("PT-AUDIT-503: interrupted while recording the audit", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AuditUnavailableException("PT-AUDIT-503: the audit record could not be written", e);
        }
    }

    /** One audit record by id, or empty. Runs in its own short read transaction. */
    public java.util.Optional<AuditEventRow> find(long id) {
        return QuarkusTransaction.requiringNew().call(() -> AuditEventRow.<AuditEventRow>findByIdOptional(id));
    }

    /** A page of records matching a query, newest first, with the total count of matches. */
    public record Page(long total, List<AuditEventRow> rows) {}

    /** Searches the audit; the caller has decided that the reader may see what the query names. */
    public Page search(AuditQuery query) {
        StringBuilder where = new StringBuilder("1 = 1");
        java.util.Map<String, Object> params = new java.util.HashMap<>();
        if (query.patientId() != null) {
            where.append(" and patientId = :patient");
            params.put("patient", query.patientId());
        }
        if (query.agentRef() != null) {
            where.append(" and (agentRef = :agent or agent = :agent)");
            params.put("agent", query.agentRef());
        }
        if (query.outcome() != null) {
            where.append(" and outcome = :outcome");
            params.put("outcome", query.outcome());
        }
        if (query.purpose() != null) {
            where.append(" and purpose = :purpose");
            params.put("purpose", query.purpose());
        }
        if (query.from() != null) {
            where.append(" and recordedAt >= :from");
            params.put("from", query.from());
        }
        if (query.to() != null) {
            where.append(" and recordedAt < :to");
            params.put("to", query.to());
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            long total = AuditEventRow.count(where.toString(), params);
            List<AuditEventRow> rows = query.count() == 0
                    ? List.of()
                    : AuditEventRow.<AuditEventRow>find(where + " order by id desc", params)
                            .range(query.offset(), query.offset() + query.count() - 1)
                            .list();
            return new Page(total, rows);
        });
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                gather(batch);
                batch.removeIf(pending -> pending == WAKE);
                if (!batch.isEmpty()) {
                    write(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            if (left == WAKE) {
                continue;
            }
            left.done().completeExceptionally(new IllegalStateException("the audit trail stopped"));
        }
    }

    /**
     * Adds to the group the records of requests still on their way (announced through {@link #open} and
     * not yet handed over in {@link #record}), until none is left, the group is full or the wait is over.
     */
    private void gather(List<Pending> batch) throws InterruptedException {
        long deadline = System.nanoTime() + groupWaitNanos;
        gathering = true;
        try {
            while (batch.size() < MAX_BATCH && inProgress() > unwritten.get()) {
                long left = deadline - System.nanoTime();
                Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (next == null) {
                    return;
                }
                batch.add(next);
                queue.drainTo(batch, MAX_BATCH - batch.size());
            }
        } finally {
            gathering = false;
        }
    }

    private static final String COLUMNS = "recorded_at, agent, agent_kind, agent_ref, interaction, target,"
            + " patient_id, purpose, outcome, reason, basis, block, entities, total";

    private static final String INSERT =
            "insert into audit_event (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String INSERT_LEAF = "insert into integrity_leaf (kind, ref_type, ref_id, ref_version,"
            + " leaf_hash, recorded_at) values ('AUDIT', 'AuditEvent', ?, 0, ?, ?)";

    /**
     * PostgreSQL: a whole group in one statement of fixed text (so prepared once per connection and
     * planned once), the rows as one array per column. {@link #UNNEST_WITH_LEAVES} puts each record's
     * integrity leaf in the same statement.
     */
    private static final String UNNEST_ROWS = "insert into audit_event (id, " + COLUMNS + ") select * from unnest("
            + "?::bigint[], ?::varchar[]::timestamptz[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],"
            + " ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[],"
            + " ?::text[], ?::bigint[])";

    private static final String UNNEST_WITH_LEAVES = "with leaves as (insert into integrity_leaf (kind, ref_type,"
            + " ref_id, ref_version, leaf_hash, recorded_at) select 'AUDIT', 'AuditEvent', cast(u.id as varchar(64)),"
            + " 0, decode(u.hash, 'hex'), u.at from unnest(?::bigint[], ?::varchar[], ?::varchar[]::timestamptz[])"
            + " as u(id, hash, at)) " + UNNEST_ROWS;

    /** Audit ids taken from the sequence ahead, in one query per block, by the writer thread only. */
    private static final int ID_BLOCK = 256;
    /**
     * How long ids taken ahead are used: audit pages list newest first by id, so with several nodes an
     * id taken long ago would sort a new record among old ones; a second bounds that disorder.
     */
    private static final long ID_BLOCK_LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(1);

    private long[] idBlock = new long[0];
    private int idNext;
    private long idBlockTakenAt;

    /**
     * Writes a group in one commit, on a connection of its own (no JTA, no persistence context: the
     * audit is insert-only, and this is its hot path). Each record's integrity leaf (integrity.Leaves,
     * over the row under its id) is written in the same commit. On PostgreSQL the ids come from blocks
     * taken from the column's sequence ahead ({@link #ID_BLOCK}), so the leaves can be computed before
     * the insert, and rows and leaves go in one statement ({@link #UNNEST_WITH_LEAVES}): with the commit,
     * two round trips per group instead of a query for ids, a rewritten multi-row insert per power of two
     * of rows, the same for the leaves, and the commit (docs/benchmarks.md). Elsewhere (H2) the database
     * returns the generated keys and each table gets a JDBC batch.
     */
    private void write(List<Pending> batch) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<AuditEventRow> rows = new ArrayList<>(batch.size());
                for (Pending pending : batch) {
                    rows.add(AuditEventRow.of(pending.record()));
                }
                if (postgres(connection)) {
                    insertInOneStatement(connection, rows, ids(connection, rows.size()));
                } else {
                    long[] ids = insertReturningIds(connection, rows);
                    if (this.leaves) {
                        insertLeaves(connection, rows, ids);
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
            unwritten.addAndGet(-batch.size());
            batch.forEach(pending -> pending.done().complete(null));
        } catch (SQLException | RuntimeException e) {
            LOG.errorf(e, "PT-AUDIT-503: could not write %d audit records", batch.size());
            unwritten.addAndGet(-batch.size());
            batch.forEach(pending -> pending.done().completeExceptionally(e));
        }
    }

    private static boolean postgres(Connection connection) throws SQLException {
        return "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
    }

    /** {@code count} ids from the blocks taken ahead, taking a new block when this one is used or old. */
    private long[] ids(Connection connection, int count) throws SQLException {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            if (idNext == idBlock.length || System.nanoTime() - idBlockTakenAt > ID_BLOCK_LIFETIME_NANOS) {
                idBlock = nextIds(connection, Math.max(ID_BLOCK, count - i));
                idNext = 0;
                idBlockTakenAt = System.nanoTime();
            }
            ids[i] = idBlock[idNext++];
        }
        return ids;
    }

    private static long[] nextIds(Connection connection, int count) throws SQLException {
        long[] ids = new long[count];
        try (PreparedStatement next = connection.prepareStatement(
                "select nextval(pg_get_serial_sequence('audit_event', 'id')) from generate_series(1, ?)")) {
            next.setInt(1, count);
            try (java.sql.ResultSet result = next.executeQuery()) {
                for (int i = 0; i < ids.length; i++) {
                    if (!result.next()) {
                        throw new SQLException("the sequence returned fewer audit ids than asked for");
                    }
                    ids[i] = result.getLong(1);
                }
            }
        }
        return ids;
    }

    private void insertInOneStatement(Connection connection, List<AuditEventRow> rows, long[] ids) throws SQLException {
        int n = rows.size();
        Long[] id = new Long[n];
        String[] at = new String[n];
        String[][] text = new String[10][n];
        Long[] block = new Long[n];
        String[] entities = new String[n];
        Long[] total = new Long[n];
        for (int i = 0; i < n; i++) {
            AuditEventRow row = rows.get(i);
            id[i] = ids[i];
            at[i] = row.recordedAt.toString();
            text[0][i] = row.agent;
            text[1][i] = row.agentKind;
            text[2][i] = row.agentRef;
            text[3][i] = row.interaction;
            text[4][i] = row.target;
            text[5][i] = row.patientId;
            text[6][i] = row.purpose;
            text[7][i] = row.outcome;
            text[8][i] = row.reason;
            text[9][i] = row.basis;
            block[i] = row.block;
            entities[i] = row.entities;
            total[i] = row.total;
        }
        try (PreparedStatement insert = connection.prepareStatement(leaves ? UNNEST_WITH_LEAVES : UNNEST_ROWS)) {
            int p = 0;
            if (leaves) {
                String[] hashes = new String[n];
                for (int i = 0; i < n; i++) {
                    hashes[i] = java.util.HexFormat.of()
                            .formatHex(Leaves.audit(rows.get(i).canonicalDocument(ids[i])));
                }
                insert.setArray(++p, connection.createArrayOf("bigint", id));
                insert.setArray(++p, connection.createArrayOf("varchar", hashes));
                insert.setArray(++p, connection.createArrayOf("varchar", at));
            }
            insert.setArray(++p, connection.createArrayOf("bigint", id));
            insert.setArray(++p, connection.createArrayOf("varchar", at));
            for (String[] column : text) {
                insert.setArray(++p, connection.createArrayOf("varchar", column));
            }
            insert.setArray(++p, connection.createArrayOf("bigint", block));
            insert.setArray(++p, connection.createArrayOf("text", entities));
            insert.setArray(++p, connection.createArrayOf("bigint", total));
            int inserted = insert.executeUpdate();
            if (inserted != n) {
                throw new SQLException("inserted " + inserted + " audit rows of " + n);
            }
        }
    }

    private static void insertLeaves(Connection connection, List<AuditEventRow> rows, long[] ids) throws SQLException {
        try (PreparedStatement leaves = connection.prepareStatement(INSERT_LEAF)) {
            for (int i = 0; i < rows.size(); i++) {
                AuditEventRow row = rows.get(i);
                leaves.setString(1, Long.toString(ids[i]));
                leaves.setBytes(2, Leaves.audit(row.canonicalDocument(ids[i])));
                leaves.setObject(3, row.recordedAt.atOffset(ZoneOffset.UTC));
                leaves.addBatch();
            }
            leaves.executeBatch();
        }
    }

    private static long[] insertReturningIds(Connection connection, List<AuditEventRow> rows) throws SQLException {
        long[] ids = new long[rows.size()];
        try (PreparedStatement insert = connection.prepareStatement(INSERT, new String[] {"id"})) {
            for (AuditEventRow row : rows) {
                bind(insert, 0, row);
                insert.addBatch();
            }
            insert.executeBatch();
            try (java.sql.ResultSet keys = insert.getGeneratedKeys()) {
                for (int i = 0; i < ids.length; i++) {
                    if (!keys.next()) {
                        throw new SQLException("the database returned fewer audit ids than rows");
                    }
                    ids[i] = keys.getLong(1);
                }
            }
        }
        return ids;
    }

    /** Binds a row's columns after the first {@code offset} parameters. */
    private static void bind(PreparedStatement insert, int offset, AuditEventRow row) throws SQLException {
        insert.setObject(offset + 1, row.recordedAt.atOffset(ZoneOffset.UTC));
        insert.setString(offset + 2, row.agent);
        insert.setString(offset + 3, row.agentKind);
        insert.setString(offset + 4, row.agentRef);
        insert.setString(offset + 5, row.interaction);
        insert.setString(offset + 6, row.target);
        insert.setString(offset + 7, row.patientId);
        insert.setString(offset + 8, row.purpose);
        insert.setString(offset + 9, row.outcome);
        insert.setString(offset + 10, row.reason);
        insert.setString(offset + 11, row.basis);
        insert.setObject(offset + 12, row.block, Types.BIGINT);
        insert.setString(offset + 13, row.entities);
        insert.setLong(offset + 14, row.total);
    }
}
