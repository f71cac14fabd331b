package io.patienttwin.portal;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.TreeSet;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The portal's start page and the signed-in page, behind the OIDC code-flow login of the {@code portal}
 * tenant. The pages of each role are in {@link ClinicianPages}, {@link SimulationPages}, {@link
 * PatientPages} and {@link CompliancePages}.
 */
@Path("/portal")
@Authenticated
public class PortalResource {

    private final SecurityIdentity identity;
    private final Viewer viewer;
    private final Pages pages;

    public PortalResource(SecurityIdentity identity, Viewer viewer, Pages pages) {
        this.identity = identity;
        this.viewer = viewer;
        this.pages = pages;
    }

    /** The start page of each role: clinicians their patients, patients their record, and so on. */
    @GET
    public Response home() {
        return pages.guard(() -> {
            if (viewer.isClinician()) {
                return pages.seeOther("/portal/patients");
            }
            if (viewer.isPatient()) {
                return pages.seeOther("/portal/my");
            }
            if (viewer.isCompliance()) {
                return pages.seeOther("/portal/compliance/consents");
            }
            return pages.seeOther("/portal/me");
        });
    }

    /**
     * Any other portal address: the portal's 404 page (unmatched paths never reach an exception mapper;
     * JAX-RS prefers every literal path above to this template).
     */
    @GET
    @Path("/{path: .+}")
    public Response notFound() {
        return pages.guard(() -> pages.error(404, "Not found", "There is no such page."));
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
