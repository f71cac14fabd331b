package io.patienttwin.consent;

import io.patienttwin.api.ApiErrors;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * {@code /api/access-grants} (admin): memberships of practitioners in organizations and care teams,
 * and custodian grants of system clients, recorded on chain. A grant is {@code proposed} until the
 * chain confirms it, then {@code active}.
 */
@Path("/api/access-grants")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AccessGrantResource {

    /** A grant to record: kind MEMBERSHIP or CUSTODIAN; validUntil ISO-8601 or absent. */
    public record GrantRequest(String kind, String subject, String target, String validUntil) {}

    /** A grant as the API shows it. */
    public record GrantView(
            String id,
            String kind,
            String subject,
            String target,
            Long validUntil,
            String status,
            String transactionHash,
            Long blockNumber,
            String rejection) {

        static GrantView of(AccessGrantRecord r) {
            String status = r.requested == ConsentRecord.Requested.REVOKED
                    ? "revoked"
                    : switch (r.chainState) {
                        case NONE -> "proposed";
                        case ACTIVE -> "active";
                        case REVOKED -> "revoked";
                        case REJECTED -> "rejected";
                    };
            return new GrantView(
                    r.grantId,
                    r.kind.name(),
                    r.subject,
                    r.target,
                    r.validUntil == 0 ? null : r.validUntil,
                    status,
                    r.grantedTx,
                    r.grantedBlock,
                    r.rejection);
        }
    }

    private final AccessGrants grants;
    private final JsonWebToken token;

    public AccessGrantResource(AccessGrants grants, JsonWebToken token) {
        this.grants = grants;
        this.token = token;
    }

    @GET
    @Transactional
    public List<GrantView> list() {
        return grants.list().stream().map(GrantView::of).toList();
    }

    @GET
    @Path("{id}")
    @Transactional
    public Response get(@PathParam("id") String id) {
        return AccessGrantRecord.<AccessGrantRecord>findByIdOptional(id)
                .map(r -> Response.ok(GrantView.of(r)).build())
                .orElseGet(() -> problem(404, "PT-GRANT-404", "no access grant " + id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Response create(GrantRequest request) {
        if (request == null) {
            return problem(400, "PT-GRANT-400", "a JSON body with kind, subject and target is required");
        }
        AccessIndex.Kind kind = null;
        if (request.kind() != null) {
            try {
                kind = AccessIndex.Kind.valueOf(request.kind());
            } catch (IllegalArgumentException e) {
                return problem(400, "PT-GRANT-400", "kind must be MEMBERSHIP or CUSTODIAN");
            }
        }
        Instant until;
        try {
            until = request.validUntil() == null ? null : Instant.parse(request.validUntil());
        } catch (DateTimeParseException e) {
            return problem(400, "PT-GRANT-400", "validUntil must be an ISO-8601 instant, e.g. 2027-01-01T00:00:00Z");
        }
        try {
            AccessGrantRecord record =
                    grants.grant(kind, request.subject(), request.target(), until, token.getSubject());
            return Response.status(201).entity(GrantView.of(record)).build();
        } catch (IllegalArgumentException e) {
            // AccessGrants words these for the client: what is missing or malformed, no internals
            return problem(400, "PT-GRANT-400", e.getMessage());
        }
    }

    @DELETE
    @Path("{id}")
    @Transactional
    public Response revoke(@PathParam("id") String id) {
        return grants.revoke(id)
                .map(r -> Response.ok(GrantView.of(r)).build())
                .orElseGet(() -> problem(404, "PT-GRANT-404", "no access grant " + id));
    }

    static Response problem(int status, String code, String message) {
        return ApiErrors.problem(status, code, message);
    }
}
