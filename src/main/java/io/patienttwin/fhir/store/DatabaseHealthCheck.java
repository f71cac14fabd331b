package io.patienttwin.fhir.store;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Reports in {@code /q/health/ready} whether the database answers, in place of Quarkus' datasource check
 * ({@code quarkus.datasource.health.enabled=false}): readiness is public, and that check put the JDBC
 * driver's message into it (a database name, a user name, a host). This one answers a stable code only;
 * the message goes to the log, once per change of state.
 */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(DatabaseHealthCheck.class);
    private static final int VALID_SECONDS = 2;

    private final AgroalDataSource dataSource;
    private final AtomicBoolean up = new AtomicBoolean(true);

    public DatabaseHealthCheck(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public HealthCheckResponse call() {
        String problem;
        try (Connection connection = dataSource.getConnection()) {
            problem = connection.isValid(VALID_SECONDS)
                    ? null
                    : "the connection did not answer in " + VALID_SECONDS + " s";
        } catch (SQLException | RuntimeException e) {
            problem = e.getMessage();
        }
        if (problem == null) {
            if (up.compareAndSet(false, true)) {
                LOG.info("PT-DB: the database answers again");
            }
            return HealthCheckResponse.named("database").up().build();
        }
        if (up.compareAndSet(true, false)) {
            LOG.warnf("PT-DB-503: the database does not answer: %s", problem);
        }
        return HealthCheckResponse.named("database")
                .down()
                .withData("error", "PT-DB-503: the database does not answer (details in the log)")
                .build();
    }
}
