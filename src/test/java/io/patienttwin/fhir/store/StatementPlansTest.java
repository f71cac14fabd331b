package io.patienttwin.fhir.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The store's connections plan each statement for its values (docs/benchmarks.md, "Generic plans"). */
@QuarkusTest
class StatementPlansTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void everyConnectionOfThePoolPlansEachStatementForItsValues() throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("show plan_cache_mode")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getString(1)).isEqualTo("force_custom_plan");
        }
    }

    @Test
    void anUnknownModeIsRefusedAtStartup() {
        assertThatThrownBy(() -> new StatementPlans("sometimes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twin.store.plan-cache-mode");
    }
}
