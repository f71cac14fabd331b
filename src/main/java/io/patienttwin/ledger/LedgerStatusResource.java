package io.patienttwin.ledger;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * {@code GET /api/ledger/status} for operators and compliance officers: which chain and contracts this
 * node writes to and how far the chain is. 503 while the chain is unreachable.
 */
@Path("/api/ledger/status")
@RolesAllowed({"admin", "compliance-officer"})
public class LedgerStatusResource {

    /** The chain as this node sees it. */
    public record Status(long chainId, String genesisHash, Map<String, String> contracts, long headBlock) {}

    private final LedgerClient ledger;

    public LedgerStatusResource(LedgerClient ledger) {
        this.ledger = ledger;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response status() {
        try {
            ChainFacts facts = ledger.chainFacts();
            return Response.ok(new Status(
                            facts.chainId(),
                            facts.genesisHash(),
                            Map.of("ConsentRegistry", facts.consentRegistry(), "AuditAnchor", facts.auditAnchor()),
                            facts.headBlock()))
                    .build();
        } catch (LedgerException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .entity(Map.of("error", "ledger-unavailable"))
                    .build();
        }
    }
}
