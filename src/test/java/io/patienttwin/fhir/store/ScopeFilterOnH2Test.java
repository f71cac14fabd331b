package io.patienttwin.fhir.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.consent.SensitiveLabel;
import io.patienttwin.policy.ReadScope;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The gate's SQL on H2, the database of {@code quarkus:dev} (the test suite otherwise runs on
 * PostgreSQL): the migrations apply, and the scope condition runs and selects exactly the rows a
 * consent covers — H2 spells the bitwise and {@code bitand} and cannot type a parameter inside it.
 */
class ScopeFilterOnH2Test {

    private static final long LABS = DataCategory.LABS.mask();
    private static final long CONDITIONS = DataCategory.CONDITIONS.mask();

    @Test
    void consentScopeSelectsExactlyTheCoveredRowsOnH2() throws SQLException {
        String url = "jdbc:h2:mem:" + UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource(url, "sa", "").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            try (Statement s = c.createStatement()) {
                s.execute(
                        "insert into fhir_resource (pid, res_type, res_id, version, deleted, last_updated, patient_id,"
                                + " access_mask) values"
                                + " (1, 'Observation', 'lab', 1, false, now(), 'p1', " + LABS + "),"
                                + " (2, 'Observation', 'psy', 1, false, now(), 'p1', "
                                + (LABS | SensitiveLabel.PSY.mask()) + "),"
                                + " (3, 'Condition', 'cond', 1, false, now(), 'p1', " + CONDITIONS + "),"
                                + " (4, 'Observation', 'other', 1, false, now(), 'p2', " + LABS + "),"
                                + " (5, 'Organization', 'org', 1, false, now(), null, 0)");
                s.execute("insert into consent_record (consent_id, chain_id, patient_id, grantee, categories, purposes,"
                        + " valid_from, valid_until, document_hash, requested, chain_state, updated_at) values"
                        + " ('c1', '0x01', 'p1', 'Practitioner/alice', " + LABS + ", " + Purpose.TREAT.mask()
                        + ", 0, 0, '0x00', 'ACTIVE', 'ACTIVE', now())");
            }
            ReadScope treat = new ReadScope(
                    false,
                    false,
                    null,
                    List.of("Practitioner/alice"),
                    Purpose.TREAT.mask(),
                    1_800_000_000L,
                    List.of(),
                    List.of());
            ReadScope research = new ReadScope(
                    false,
                    false,
                    null,
                    List.of("Practitioner/alice"),
                    Purpose.HRESCH.mask(),
                    1_800_000_000L,
                    List.of(),
                    List.of());

            assertThat(select(c, treat)).containsExactly("lab", "org");
            assertThat(select(c, research)).containsExactly("org");
        }
    }

    private static List<String> select(Connection c, ReadScope scope) throws SQLException {
        ScopeFilter filter = ScopeFilter.of(scope, "r", false);
        try (PreparedStatement ps =
                c.prepareStatement("select r.res_id from fhir_resource r where " + filter.where + " order by r.pid")) {
            for (int i = 0; i < filter.binds.size(); i++) {
                ps.setObject(i + 1, filter.binds.get(i));
            }
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        }
    }
}
