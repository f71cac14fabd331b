import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * PostgreSQL's CPU per audit row as a function of the group size, for the two ways the audit writer
 * (audit.AuditTrail) has written a group with its integrity leaves, one commit per group, for a fixed
 * time on one connection:
 *
 * <ul>
 *   <li>{@code batched} (until 2026-12-03): the ids from the sequence in one query, the rows as one JDBC
 *       batch (rewritten by pgjdbc into multi-row inserts, one per power of two of rows), the leaves as
 *       another, then the commit;
 *   <li>{@code unnest} (since): ids from a block of 256 taken ahead, rows and leaves in one statement of
 *       fixed text (unnest of one array per column), then the commit.
 * </ul>
 *
 * It reads the CPU time of the connection's own backend process from /proc, so it must run on the
 * database's machine.
 *
 * <p>Usage: {@code java -cp <pgjdbc jar>:<classes> AuditInsertBench JDBC_URL SECONDS GROUP...}
 */
public final class AuditInsertBench {

    private static final String COLUMNS = "recorded_at, agent, agent_kind, agent_ref, interaction, target,"
            + " patient_id, purpose, outcome, reason, basis, block, entities, total";

    private static final String INSERT_WITH_ID =
            "insert into audit_event (id, " + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String INSERT_LEAF = "insert into integrity_leaf (kind, ref_type, ref_id, ref_version,"
            + " leaf_hash, recorded_at) values ('AUDIT', 'AuditEvent', ?, 0, ?, ?)";

    // the same text as audit.AuditTrail.UNNEST_WITH_LEAVES
    private static final String UNNEST_WITH_LEAVES = "with leaves as (insert into integrity_leaf (kind, ref_type,"
            + " ref_id, ref_version, leaf_hash, recorded_at) select 'AUDIT', 'AuditEvent', cast(u.id as varchar(64)),"
            + " 0, decode(u.hash, 'hex'), u.at from unnest(?::bigint[], ?::varchar[], ?::varchar[]::timestamptz[])"
            + " as u(id, hash, at)) insert into audit_event (id, " + COLUMNS + ") select * from unnest("
            + "?::bigint[], ?::varchar[]::timestamptz[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],"
            + " ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[],"
            + " ?::text[], ?::bigint[])";

    private static final String NEXT_IDS =
            "select nextval(pg_get_serial_sequence('audit_event', 'id')) from generate_series(1, ?)";

    private static final SecureRandom RANDOM = new SecureRandom();

    private AuditInsertBench() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int seconds = Integer.parseInt(args[1]);
        try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
            int backend = backendPid(connection);
            for (int i = 2; i < args.length; i++) {
                for (String way : new String[] {"batched", "unnest", "unnest", "batched"}) {
                    run(connection, backend, way, Integer.parseInt(args[i]), seconds);
                }
            }
        }
    }

    private static void run(Connection connection, int backend, String way, int group, int seconds)
            throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute("truncate audit_event, integrity_leaf");
        }
        long rows = 0;
        long commits = 0;
        long[] block = new long[0];
        int next = 0;
        long ticksBefore = cpuTicks(backend);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        connection.setAutoCommit(false);
        while (System.nanoTime() < end) {
            long[] ids;
            if (way.equals("batched")) {
                ids = nextIds(connection, group);
            } else {
                ids = new long[group];
                for (int i = 0; i < group; i++) {
                    if (next == block.length) {
                        block = nextIds(connection, Math.max(256, group - i));
                        next = 0;
                    }
                    ids[i] = block[next++];
                }
            }
            if (way.equals("batched")) {
                try (PreparedStatement insert = connection.prepareStatement(INSERT_WITH_ID)) {
                    for (int i = 0; i < group; i++) {
                        insert.setLong(1, ids[i]);
                        bind(insert, rows + i);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                try (PreparedStatement leaves = connection.prepareStatement(INSERT_LEAF)) {
                    for (int i = 0; i < group; i++) {
                        leaves.setString(1, Long.toString(ids[i]));
                        leaves.setBytes(2, hash());
                        leaves.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
                        leaves.addBatch();
                    }
                    leaves.executeBatch();
                }
            } else {
                unnest(connection, ids, rows);
            }
            connection.commit();
            rows += group;
            commits++;
        }
        long wall = System.nanoTime() - start;
        connection.setAutoCommit(true);
        long ticks = cpuTicks(backend) - ticksBefore;
        // clock ticks are 10 ms on Linux (getconf CLK_TCK = 100)
        System.out.printf(
                "%-7s group %3d: %,9d rows in %,7d commits, backend CPU %6.1f µs per row, %6.1f µs per commit,"
                        + " client wall %6.1f µs per commit%n",
                way,
                group,
                rows,
                commits,
                ticks * 10_000.0 / rows,
                ticks * 10_000.0 / commits,
                wall / 1000.0 / commits);
    }

    private static void unnest(Connection connection, long[] ids, long first) throws SQLException {
        int n = ids.length;
        Long[] id = new Long[n];
        String[] hashes = new String[n];
        String[] at = new String[n];
        String[][] text = new String[10][n];
        Long[] block = new Long[n];
        String[] entities = new String[n];
        Long[] total = new Long[n];
        for (int i = 0; i < n; i++) {
            id[i] = ids[i];
            hashes[i] = HexFormat.of().formatHex(hash());
            at[i] = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
            String[] row = row(first + i);
            for (int c = 0; c < 10; c++) {
                text[c][i] = row[c];
            }
            block[i] = 1234L;
            entities[i] = "Observation/bench";
            total[i] = 1L;
        }
        try (PreparedStatement insert = connection.prepareStatement(UNNEST_WITH_LEAVES)) {
            int p = 0;
            insert.setArray(++p, connection.createArrayOf("bigint", id));
            insert.setArray(++p, connection.createArrayOf("varchar", hashes));
            insert.setArray(++p, connection.createArrayOf("varchar", at));
            insert.setArray(++p, connection.createArrayOf("bigint", id));
            insert.setArray(++p, connection.createArrayOf("varchar", at));
            for (String[] column : text) {
                insert.setArray(++p, connection.createArrayOf("varchar", column));
            }
            insert.setArray(++p, connection.createArrayOf("bigint", block));
            insert.setArray(++p, connection.createArrayOf("text", entities));
            insert.setArray(++p, connection.createArrayOf("bigint", total));
            insert.executeUpdate();
        }
    }

    private static long[] nextIds(Connection connection, int count) throws SQLException {
        long[] ids = new long[count];
        try (PreparedStatement next = connection.prepareStatement(NEXT_IDS)) {
            next.setInt(1, count);
            try (ResultSet result = next.executeQuery()) {
                for (int i = 0; i < count; i++) {
                    result.next();
                    ids[i] = result.getLong(1);
                }
            }
        }
        return ids;
    }

    private static byte[] hash() {
        byte[] hash = new byte[32];
        RANDOM.nextBytes(hash);
        return hash;
    }

    /** agent … basis of a read's record, as the gate writes them. */
    private static String[] row(long n) {
        return new String[] {
            "bench-agent",
            "SYSTEM",
            "ehr-system",
            "read",
            "Observation/" + UUID.randomUUID(),
            "patient-" + n % 9,
            "TREAT",
            "permit",
            "PERMIT-CUSTODIAN",
            "grant:bench"
        };
    }

    private static void bind(PreparedStatement insert, long n) throws SQLException {
        String[] row = row(n);
        insert.setObject(2, OffsetDateTime.now(ZoneOffset.UTC));
        for (int c = 0; c < 10; c++) {
            insert.setString(3 + c, row[c]);
        }
        insert.setObject(13, 1234L, Types.BIGINT);
        insert.setString(14, "Observation/bench");
        insert.setLong(15, 1);
    }

    private static int backendPid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("select pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }

    /** User plus system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
