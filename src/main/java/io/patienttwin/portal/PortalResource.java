package io.patienttwin.portal;

import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The portal's pages, behind the OIDC code-flow login of the {@code portal} tenant. */
@Path("/portal")
@Authenticated
public class PortalResource {

    private final Template me;
    private final SecurityIdentity identity;

    public PortalResource(Template me, SecurityIdentity identity) {
        this.me = me;
        this.identity = identity;
    }

    /** Who is logged in: name, user name, fhirUser and roles. */
    @GET
    @Path("/me")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance me() {
        JsonWebToken token = (JsonWebToken) identity.getPrincipal();
        return me.data("name", token.<String>getClaim("name"))
                .data("username", token.<String>getClaim("preferred_username"))
                .data("fhirUser", token.<String>getClaim("fhirUser"))
                .data("roles", identity.getRoles());
    }
}
