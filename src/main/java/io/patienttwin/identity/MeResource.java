package io.patienttwin.identity;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Set;

/** {@code GET /api/me}: who the caller is, as PatientTwin understands their token. */
@Path("/api/me")
@Authenticated
public class MeResource {

    /** The caller as JSON: kind, fhirUser, roles and SMART scopes. */
    public record Me(String kind, String fhirUser, Set<String> roles, List<String> scopes) {}

    private final SecurityIdentity identity;
    private final PrincipalFactory principals;

    public MeResource(SecurityIdentity identity, PrincipalFactory principals) {
        this.identity = identity;
        this.principals = principals;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Me me() {
        Principal principal = principals.from(identity).orElseThrow(ForbiddenException::new);
        return new Me(
                principal.kind().name(),
                principal.fhirUser(),
                principal.roles(),
                principal.scopes().stream().map(SmartScope::toString).toList());
    }
}
