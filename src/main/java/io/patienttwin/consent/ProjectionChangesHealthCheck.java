package io.patienttwin.consent;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports in {@code /q/health/ready} whether this node hears the other nodes' consent and access
 * changes ({@link ProjectionChanges}): DOWN while it does not listen, since it could then permit what
 * another node revoked; a load balancer stops sending it requests until it listens again (and has
 * reloaded its index).
 */
@Readiness
@ApplicationScoped
public class ProjectionChangesHealthCheck implements HealthCheck {

    private final ProjectionChanges changes;

    public ProjectionChangesHealthCheck(ProjectionChanges changes) {
        this.changes = changes;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("projection-changes")
                .status(changes.listening())
                .withData("active", changes.active())
                .withData("received", changes.received());
        // readiness is public: a stable text, the driver's message is in the log
        changes.lastError()
                .ifPresent(error -> response.withData(
                        "error", "PT-PROJECTION-503: not listening for changes (details in the log)"));
        return response.build();
    }
}
