package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.identity.Principal;
import io.patienttwin.policy.ReadContext;
import io.quarkus.arc.Arc;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/**
 * Who reads in the current request, why and when: set once per request by {@link
 * ReadContextInterceptor} (FHIR) or the portal, and read by {@link ReadService}. No context means no
 * read (fail closed).
 */
@RequestScoped
public class CurrentReader {

    private ReadContext context;

    public void set(ReadContext context) {
        this.context = context;
    }

    /**
     * Who makes the current request, when a request with a principal is under way; empty for work
     * done outside any request (startup seeding, the bulk-load command), which is the operator's.
     */
    static Optional<Principal> principalOf(CurrentReader reader) {
        return Arc.container().requestContext().isActive() ? reader.principal() : Optional.empty();
    }

    Optional<Principal> principal() {
        return Optional.ofNullable(context).map(ReadContext::principal);
    }

    /** The current request's context. */
    public ReadContext context() {
        if (context == null) {
            throw new ForbiddenOperationException("PT-POLICY-403: access denied");
        }
        return context;
    }
}
