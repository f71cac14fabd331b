package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.policy.ReadContext;
import jakarta.enterprise.context.RequestScoped;

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

    /** The current request's context. */
    public ReadContext context() {
        if (context == null) {
            throw new ForbiddenOperationException("PT-POLICY-403: access denied");
        }
        return context;
    }
}
