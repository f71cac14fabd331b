package io.patienttwin.audit;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Tells the {@link AuditTrail} how many HTTP requests are in progress, from their arrival (before
 * authentication) until their response headers are written: each of them may still hand over an audit
 * record, so while there are more of them than records unwritten, the writer holds its group open a
 * little (group commit). Counting at the door rather than in the gated reader matters: most of a
 * request's time is spent before its read (authentication, parsing), and a writer that only waited for
 * reads already under way still committed about 1.5 records at a time under load (docs/benchmarks.md).
 */
@ApplicationScoped
public class RequestsInFlight {

    private final AuditTrail trail;

    public RequestsInFlight(AuditTrail trail) {
        this.trail = trail;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            AuditTrail.Call call = trail.open();
            // Once its headers are written a request has decided what it returns, so it records nothing
            // more. The end handler alone is not enough: it never ran for requests the servlet (HAPI)
            // answered, and every such request stayed counted (RequestsInFlightTest).
            context.addHeadersEndHandler(written -> call.close());
            context.addEndHandler(ended -> call.close());
            context.next();
        });
    }
}
