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
    private String serverBase;

    public void set(ReadContext context) {
        this.context = context;
    }

    /** The base URL the client addressed this server by ({@code http://host/fhir}), for FHIR requests. */
    void setServerBase(String serverBase) {
        this.serverBase = serverBase;
    }

    /** The base URL of the current FHIR request, or null outside one (portal, startup). */
    String serverBase() {
        return Arc.container().requestContext().isActive() ? serverBase : null;
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

    /**
     * The current request's context when a request with a principal is under way; empty for work done
     * outside any request, as {@link #principalOf(CurrentReader)}.
     */
    static Optional<ReadContext> contextOf(CurrentReader reader) {
        return Arc.container().requestContext().isActive() ? reader.contextIfSet() : Optional.empty();
    }

    /** A method, not a field read: {@code reader} is a client proxy of the request's instance. */
    Optional<ReadContext> contextIfSet() {
        return Optional.ofNullable(context);
    }

    /** The current request's context. */
    public ReadContext context() {
        if (context == null) {
            throw new ForbiddenOperationException("PT-POLICY-403: access denied");
        }
        return context;
    }
}
