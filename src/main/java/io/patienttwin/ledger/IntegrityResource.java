package io.patienttwin.ledger;

import io.patienttwin.api.ApiErrors;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /api/integrity/sweep} (admin, compliance officer): runs the integrity sweep now and answers
 * its report ({@link IntegritySweep}); {@code GET /api/integrity/sweep}: the last report (404 before the
 * first sweep); {@code GET /api/integrity/backlog}: what waits to be anchored. 503 while the chain
 * cannot be asked.
 */
@Path("/api/integrity")
public class IntegrityResource {

    private final IntegritySweep sweep;
    private final IntegrityAnchorer anchorer;

    public IntegrityResource(IntegritySweep sweep, IntegrityAnchorer anchorer) {
        this.sweep = sweep;
        this.anchorer = anchorer;
    }

    @POST
    @Path("sweep")
    @RolesAllowed({"admin", "compliance-officer"})
    @Produces(MediaType.APPLICATION_JSON)
    public Response run() {
        try {
            return Response.ok(sweep.run()).build();
        } catch (LedgerException e) {
            return ApiErrors.problem(503, "PT-INTEGRITY-503", "the chain cannot be reached; try again");
        }
    }

    @GET
    @Path("sweep")
    @RolesAllowed({"admin", "compliance-officer"})
    @Produces(MediaType.APPLICATION_JSON)
    public Response last() {
        return sweep.last()
                .map(report -> Response.ok(report).build())
                .orElseGet(() -> ApiErrors.problem(404, "PT-INTEGRITY-404", "no sweep has run yet"));
    }

    @GET
    @Path("backlog")
    @RolesAllowed({"admin", "compliance-officer"})
    @Produces(MediaType.APPLICATION_JSON)
    public IntegrityAnchorer.Backlog backlog() {
        return anchorer.backlog();
    }
}
