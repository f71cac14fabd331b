package io.patienttwin.fhir.store;

import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.hibernate.Session;

/** Runs read-only SQL on the current Hibernate session's connection. */
final class Jdbc {

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private static volatile Boolean postgres;

    private Jdbc() {}

    /** Whether the database is PostgreSQL (else H2): the two spell a bitwise and differently. */
    static boolean isPostgres(EntityManager em) {
        Boolean value = postgres;
        if (value == null) {
            value = em.unwrap(Session.class)
                    .doReturningWork(connection -> connection.getMetaData().getDatabaseProductName())
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("postgres");
            postgres = value;
        }
        return value;
    }

    static <T> List<T> query(EntityManager em, String sql, List<Object> binds, RowMapper<T> mapper) {
        return em.unwrap(Session.class).doReturningWork(connection -> run(connection, sql, binds, mapper));
    }

    static long count(EntityManager em, String sql, List<Object> binds) {
        return query(em, sql, binds, rs -> rs.getLong(1)).get(0);
    }

    private static <T> List<T> run(Connection connection, String sql, List<Object> binds, RowMapper<T> mapper)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < binds.size(); i++) {
                ps.setObject(i + 1, binds.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
                return rows;
            }
        }
    }
}
