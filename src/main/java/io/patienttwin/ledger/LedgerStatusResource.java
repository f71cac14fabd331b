package io.patienttwin.ledger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * {@code GET /api/ledger/status} for operators and compliance officers: which chain and contracts this
 * node writes to, how far the chain is, how far the follower has read and how many writes wait. 503
 * while the chain is unreachable. {@code POST /api/ledger/rebuild} (admin) rebuilds the consent
 * projection from the chain.
 */
@Path("/api/ledger")
public class LedgerStatusResource {

    /** The chain as this node sees it. */
    public record Status(
            long chainId,
            String genesisHash,
            Map<String, String> contracts,
            long headBlock,
            long processedBlock,
            String follower,
            String followerMessage,
            long outboxBacklog) {}

    private final LedgerClient ledger;
    private final LedgerFollower follower;
    private final LedgerOutbox outbox;

    public LedgerStatusResource(LedgerClient ledger, LedgerFollower follower, LedgerOutbox outbox) {
        this.ledger = ledger;
        this.follower = follower;
        this.outbox = outbox;
    }

    @GET
    @Path("status")
    @RolesAllowed({"admin", "compliance-officer"})
    @Produces(MediaType.APPLICATION_JSON)
    public Response status() {
        LedgerFollower.Status following = follower.status();
        long backlog = QuarkusTransaction.requiringNew().call(outbox::backlog);
        try {
            ChainFacts facts = ledger.chainFacts();
            return Response.ok(new Status(
                            facts.chainId(),
                            facts.genesisHash(),
                            Map.of("ConsentRegistry", facts.consentRegistry(), "AuditAnchor", facts.auditAnchor()),
                            facts.headBlock(),
                            following.processedBlock(),
                            following.state().name(),
                            following.message(),
                            backlog))
                    .build();
        } catch (LedgerException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .entity(Map.of(
                            "error",
                            "ledger-unavailable",
                            "processedBlock",
                            following.processedBlock(),
                            "outboxBacklog",
                            backlog))
                    .build();
        }
    }

    @POST
    @Path("rebuild")
    @RolesAllowed("admin")
    @Produces(MediaType.APPLICATION_JSON)
    public Response rebuild() {
        follower.rebuild();
        return Response.accepted(Map.of("follower", follower.status().state().name()))
                .build();
    }
}
