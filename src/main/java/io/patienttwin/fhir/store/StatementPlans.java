package io.patienttwin.fhir.store;

import io.agroal.api.AgroalPoolInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Has PostgreSQL plan every statement of the store for its values and for the tables' size at that
 * moment ({@code plan_cache_mode = force_custom_plan} on each new connection), instead of reusing a
 * generic plan of the prepared statement.
 *
 * <p>Why: a prepared statement gets a generic plan after five executions, and PostgreSQL keeps it until
 * the table's statistics change (an ANALYZE). Planned on an empty table, the lookup of a resource by
 * type and id ties between the unique index on (type, id) and the index on (type, last updated), and the
 * generic plan can take the latter: it then reads every resource of the type to find one. That is what
 * made writes slower the more the store held (docs/benchmarks.md, "Generic plans"): 11,000 index entries
 * read per lookup after 24,000 readings, 2.5 times the readings per second once each statement is
 * planned with what it asks for. Autovacuum's ANALYZE replaces a bad generic plan only now and then, and
 * not at all where autovacuum is off. A custom plan of these short statements costs tens of
 * microseconds; {@code twin.store.plan-cache-mode=auto} restores PostgreSQL's default.
 */
@ApplicationScoped
public class StatementPlans implements AgroalPoolInterceptor {

    private static final Set<String> MODES = Set.of("auto", "force_custom_plan", "force_generic_plan");

    private final String mode;

    public StatementPlans(
            @ConfigProperty(name = "twin.store.plan-cache-mode", defaultValue = "force_custom_plan") String mode) {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException(
                    "twin.store.plan-cache-mode must be one of " + MODES + ", not '" + mode + "'");
        }
        this.mode = mode;
    }

    @Override
    public void onConnectionCreate(Connection connection) {
        try {
            if (!"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())) {
                return;
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("set plan_cache_mode = " + mode);
            }
            if (!connection.getAutoCommit()) {
                connection.commit(); // a session setting made in a transaction is undone by its rollback
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PT-STORE-PLANS: could not set plan_cache_mode on a new connection", e);
        }
    }
}
