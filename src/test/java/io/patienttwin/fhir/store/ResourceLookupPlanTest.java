package io.patienttwin.fhir.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A resource is looked up by type and id through the unique key, whatever PostgreSQL knows about the
 * table: a generic plan made while {@code fhir_resource} was empty once took the index on (type, last
 * updated) and read every resource of the type per lookup (docs/benchmarks.md, "Generic plans").
 */
@QuarkusTest
class ResourceLookupPlanTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theGenericPlanOfALookupByTypeAndIdMadeOnAnEmptyTableStillUsesTheUniqueKeyOnceTheTableHasGrown()
            throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            // an empty table with fhir_resource's columns and indexes, never analyzed
            statement.execute("create temp table plan_probe (like fhir_resource including all)");
            try {
                statement.execute("set plan_cache_mode = force_generic_plan");
                statement.execute("prepare lookup(varchar, varchar) as select pid from plan_probe"
                        + " where res_type = $1 and res_id = $2 for no key update");
                statement.execute("execute lookup('Observation', 'absent')");
                statement.execute("insert into plan_probe (pid, res_type, res_id, version, deleted, last_updated)"
                        + " select g, 'Observation', 'o-' || g, 1, false, now() - g * interval '1 second'"
                        + " from generate_series(1, 5000) g");
                List<String> plan = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery("explain execute lookup('Observation', 'absent')")) {
                    while (rows.next()) {
                        plan.add(rows.getString(1));
                    }
                }
                assertThat(String.join("\n", plan))
                        .as("the plan of the lookup")
                        .contains("Index Cond: (((res_type)::text = ($1)::text) AND ((res_id)::text = ($2)::text))")
                        .doesNotContain("Filter");
            } finally {
                statement.execute("deallocate all");
                statement.execute("reset plan_cache_mode");
                statement.execute("drop table plan_probe");
            }
        }
    }
}
