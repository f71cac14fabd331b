package io.patienttwin.fhir.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Writes search-index rows with batched JDBC statements on the transaction's own connection. */
final class IndexWriter {

    private static final String[] TABLES = {
        "idx_string", "idx_token", "idx_reference", "idx_date", "idx_quantity", "idx_uri"
    };

    private IndexWriter() {}

    /** Removes every index row of the given resources. */
    static void delete(Connection connection, Collection<Long> pids) throws SQLException {
        if (pids.isEmpty()) {
            return;
        }
        for (String table : TABLES) {
            try (PreparedStatement ps =
                    connection.prepareStatement("delete from " + table + " where resource_pid = ?")) {
                for (Long pid : pids) {
                    ps.setLong(1, pid);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /** Inserts the integrity leaves of stored versions (kind VERSION, waiting for a batch). */
    static void insertLeaves(Connection connection, List<PendingWrites.Leaf> leaves) throws SQLException {
        if (leaves.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("insert into integrity_leaf (kind, ref_type,"
                + " ref_id, ref_version, leaf_hash, recorded_at) values ('VERSION', ?, ?, ?, ?, ?)")) {
            for (PendingWrites.Leaf leaf : leaves) {
                ps.setString(1, leaf.type());
                ps.setString(2, leaf.id());
                ps.setLong(3, leaf.version());
                ps.setBytes(4, leaf.hash());
                ps.setObject(5, leaf.at().atOffset(ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Inserts the rows of each resource; keys are resource pids. */
    static void insert(Connection connection, Map<Long, PendingWrites.Indexed> resources) throws SQLException {
        if (resources.isEmpty()) {
            return;
        }
        batch(
                connection,
                resources,
                i -> i.strings,
                "insert into idx_string (resource_pid, res_type, name, value_norm, value_exact) values (?, ?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    ps.setString(4, r.normalized());
                    ps.setString(5, r.exact());
                });
        batch(
                connection,
                resources,
                i -> i.tokens,
                "insert into idx_token (resource_pid, res_type, name, system, code) values (?, ?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    ps.setString(4, r.system());
                    ps.setString(5, r.code());
                });
        batch(
                connection,
                resources,
                i -> i.references,
                "insert into idx_reference (resource_pid, res_type, name, target_type, target_id, target_url,"
                        + " patient_compartment) values (?, ?, ?, ?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    ps.setString(4, r.targetType());
                    ps.setString(5, r.targetId());
                    ps.setString(6, r.targetUrl());
                    ps.setBoolean(7, r.patientCompartment());
                });
        batch(
                connection,
                resources,
                i -> i.dates,
                "insert into idx_date (resource_pid, res_type, name, low_value, high_value) values (?, ?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    setInstant(ps, 4, r.low());
                    setInstant(ps, 5, r.high());
                });
        batch(
                connection,
                resources,
                i -> i.quantities,
                "insert into idx_quantity (resource_pid, res_type, name, value_num, system, code) values (?, ?, ?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    ps.setBigDecimal(4, r.value());
                    ps.setString(5, r.system());
                    ps.setString(6, r.code());
                });
        batch(
                connection,
                resources,
                i -> i.uris,
                "insert into idx_uri (resource_pid, res_type, name, uri) values (?, ?, ?, ?)",
                (ps, r) -> {
                    ps.setString(3, r.name());
                    ps.setString(4, r.uri());
                });
    }

    @FunctionalInterface
    private interface Binder<R> {
        void bind(PreparedStatement ps, R row) throws SQLException;
    }

    private static <R> void batch(
            Connection connection,
            Map<Long, PendingWrites.Indexed> resources,
            Function<ResourceIndex, List<R>> rowsOf,
            String sql,
            Binder<R> binder)
            throws SQLException {
        boolean any = resources.values().stream()
                .anyMatch(i -> !rowsOf.apply(i.index()).isEmpty());
        if (!any) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (var entry : resources.entrySet()) {
                for (R row : rowsOf.apply(entry.getValue().index())) {
                    ps.setLong(1, entry.getKey());
                    ps.setString(2, entry.getValue().type());
                    binder.bind(ps, row);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, value.atOffset(ZoneOffset.UTC));
        }
    }
}
