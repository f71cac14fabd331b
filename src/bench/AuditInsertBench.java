import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * PostgreSQL's CPU per audit row as a function of the group size: the audit writer's statement
 * (audit.AuditTrail.INSERT), one JDBC batch and one commit per group, for a fixed time on one
 * connection. It reads the CPU time of the connection's own backend process from /proc, so it must run
 * on the database's machine.
 *
 * <p>Usage: {@code java -cp <pgjdbc jar>:<classes> AuditInsertBench JDBC_URL SECONDS GROUP...}
 */
public final class AuditInsertBench {

    private static final String INSERT = "insert into audit_event (recorded_at, agent, agent_kind, agent_ref,"
            + " interaction, target, patient_id, purpose, outcome, reason, basis, block, entities, total)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private AuditInsertBench() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int seconds = Integer.parseInt(args[1]);
        try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
            int backend = backendPid(connection);
            for (int i = 2; i < args.length; i++) {
                run(connection, backend, Integer.parseInt(args[i]), seconds);
            }
        }
    }

    private static void run(Connection connection, int backend, int group, int seconds) throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute("truncate audit_event");
        }
        long rows = 0;
        long commits = 0;
        long ticksBefore = cpuTicks(backend);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        connection.setAutoCommit(false);
        while (System.nanoTime() < end) {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                for (int i = 0; i < group; i++) {
                    bind(insert, rows++);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
                commits++;
            }
        }
        connection.setAutoCommit(true);
        long ticks = cpuTicks(backend) - ticksBefore;
        // clock ticks are 10 ms on Linux (getconf CLK_TCK = 100)
        System.out.printf(
                "group %3d: %,9d rows in %,7d commits, backend CPU %6.1f µs per row, %6.1f µs per commit%n",
                group, rows, commits, ticks * 10_000.0 / rows, ticks * 10_000.0 / commits);
    }

    private static void bind(PreparedStatement insert, long n) throws SQLException {
        insert.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
        insert.setString(2, "bench-agent");
        insert.setString(3, "SYSTEM");
        insert.setString(4, "ehr-system");
        insert.setString(5, "read");
        insert.setString(6, "Observation/" + UUID.randomUUID());
        insert.setString(7, "patient-" + n % 9);
        insert.setString(8, "TREAT");
        insert.setString(9, "permit");
        insert.setString(10, "PERMIT-CUSTODIAN");
        insert.setString(11, "grant:bench");
        insert.setObject(12, 1234L, Types.BIGINT);
        insert.setString(13, "Observation/bench");
        insert.setLong(14, 1);
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
