package io.patienttwin.policy;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The decision point of the foundation stage: permits every read with reason {@code OPEN-FOUNDATION}.
 * It exists so that every read already passes the one gate; the consent-based decision point
 * (issue "The policy gate") replaces it. Not for production use.
 */
@ApplicationScoped
public class OpenPolicyDecisionPoint implements PolicyDecisionPoint {

    @Override
    public Decision decide(AccessRequest request) {
        return Decision.permit("OPEN-FOUNDATION");
    }
}
