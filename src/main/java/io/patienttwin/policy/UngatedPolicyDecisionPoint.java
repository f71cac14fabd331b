package io.patienttwin.policy;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Alternative;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * A decision point that permits everything: the baseline of the gated-versus-ungated benchmark
 * ({@code src/bench/gate-bench.sh}). It exists only in an application built with the build profile
 * {@code ungated} ({@code ./mvnw package -Dquarkus.profile=ungated}); the normal build does not contain
 * it as a bean, so no runtime setting can switch the gate off.
 */
@IfBuildProfile("ungated")
@Alternative
@Priority(1)
@ApplicationScoped
public class UngatedPolicyDecisionPoint implements PolicyDecisionPoint {

    private static final Logger LOG = Logger.getLogger(UngatedPolicyDecisionPoint.class);

    void warn(@Observes StartupEvent event) {
        LOG.error("UNGATED BENCHMARK BUILD: every read is permitted and nothing is audited; never deploy this build");
    }

    @Override
    public Decision decide(AccessRequest request) {
        return Decision.permit("UNGATED-BENCHMARK");
    }

    @Override
    public Decision decideWrite(AccessRequest request) {
        return Decision.permit("UNGATED-BENCHMARK");
    }

    @Override
    public ReadScope scope(ReadContext context) {
        return new ReadScope(true, true, null, List.of(), 0, context.at().getEpochSecond(), List.of(), List.of());
    }
}
