package io.patienttwin.consent;

import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** {@code /api/break-glass} (compliance officers): the break-glass review queue and its acknowledgements. */
@Path("/api/break-glass")
@RolesAllowed("compliance-officer")
@Produces(MediaType.APPLICATION_JSON)
public class BreakGlassResource {

    /** A session as the review queue shows it. */
    public record SessionView(
            String id,
            String principal,
            String fhirUser,
            String patient,
            String reason,
            Instant validFrom,
            Instant validUntil,
            String chainState,
            String transactionHash,
            Long blockNumber,
            String reviewedBy,
            Instant reviewedAt,
            String reviewNote) {

        static SessionView of(BreakGlassRecord r) {
            return new SessionView(
                    r.sessionId,
                    r.principal,
                    r.fhirUser,
                    "Patient/" + r.patientId,
                    r.reason,
                    r.validFrom,
                    r.validUntil,
                    r.chainState,
                    r.recordedTx,
                    r.recordedBlock,
                    r.reviewedBy,
                    r.reviewedAt,
                    r.reviewNote);
        }
    }

    /** An acknowledgement with an optional note. */
    public record Review(String note) {}

    private final BreakGlass breakGlass;
    private final JsonWebToken token;

    public BreakGlassResource(BreakGlass breakGlass, JsonWebToken token) {
        this.breakGlass = breakGlass;
        this.token = token;
    }

    @GET
    @Transactional
    public List<SessionView> list(@QueryParam("unreviewed") boolean unreviewedOnly) {
        return breakGlass.list(unreviewedOnly).stream().map(SessionView::of).toList();
    }

    @POST
    @Path("{id}/acknowledge")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Response acknowledge(@PathParam("id") String id, Review review) {
        String reviewer = token.getClaim("preferred_username") == null
                ? token.getSubject()
                : token.getClaim("preferred_username").toString();
        return breakGlass
                .acknowledge(id, reviewer, review == null ? null : review.note())
                .map(r -> Response.ok(SessionView.of(r)).build())
                .orElseGet(() -> AccessGrantResource.problem(404, "PT-BREAK-GLASS-404", "no session " + id));
    }
}
