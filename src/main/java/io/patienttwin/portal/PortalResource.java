package io.patienttwin.portal;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.TreeSet;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The portal's pages, behind the OIDC code-flow login of the {@code portal} tenant.
 *
 * <p>Rendered without Qute for now: Quarkus 3.33.2's Qute extension asks dev mode for
 * io.quarkus.qute:qute-debug:3.33.2, which Maven Central does not have, so {@code quarkus:dev} would
 * not start.
 */
@Path("/portal")
@Authenticated
public class PortalResource {

    private final SecurityIdentity identity;

    public PortalResource(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** Who is signed in: name, user name, fhirUser and roles. */
    @GET
    @Path("/me")
    @Produces(MediaType.TEXT_HTML)
    public String me() {
        JsonWebToken token = (JsonWebToken) identity.getPrincipal();
        String username = token.getClaim("preferred_username");
        String name = token.getClaim("name");
        String fhirUser = token.getClaim("fhirUser");
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <meta name="viewport" content="width=device-width, initial-scale=1">
                  <title>PatientTwin — signed in</title>
                </head>
                <body>
                  <main>
                    <h1>PatientTwin</h1>
                    <p id="signed-in-as">Signed in as <strong>%s</strong> (%s)</p>
                    <dl>
                      <dt>FHIR user</dt><dd id="fhir-user">%s</dd>
                      <dt>Roles</dt><dd id="roles">%s</dd>
                    </dl>
                    <form method="post" action="/portal/logout"><button type="submit">Sign out</button></form>
                  </main>
                </body>
                </html>
                """
                .formatted(
                        Html.escape(name == null ? username : name),
                        Html.escape(username),
                        Html.escape(fhirUser == null ? "none" : fhirUser),
                        Html.escape(String.join(", ", new TreeSet<>(identity.getRoles()))));
    }
}
