package io.patienttwin.fhir.store;

import io.patienttwin.audit.AuditTrail;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.ReadContext;
import io.quarkus.arc.profile.IfBuildProfile;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import java.util.List;

/**
 * No audit: the baseline of the gated-versus-ungated benchmark, with {@code
 * policy.UngatedPolicyDecisionPoint}. Only in an application built with the build profile {@code
 * ungated}.
 */
@IfBuildProfile("ungated")
@Alternative
@Priority(1)
@jakarta.inject.Singleton
public class UnauditedAccessLog extends AccessLog {

    public UnauditedAccessLog(AuditTrail trail) {
        super(trail);
    }

    @Override
    void permitted(
            ReadContext context, String interaction, List<String> entities, String patientId, Decision decision) {}

    @Override
    public void denied(ReadContext context, String interaction, String target, String patientId, String reason) {}

    @Override
    void searched(ReadContext context, String interaction, String target, Gated page, long total) {}
}
