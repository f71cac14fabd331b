package io.patienttwin.portal;

import io.quarkus.oidc.OidcConfigurationMetadata;
import io.quarkus.oidc.OidcSession;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;
import java.util.TreeSet;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The portal's start page and the signed-in page, behind the OIDC code-flow login of the {@code portal}
 * tenant. The pages of each role are in {@link ClinicianPages}, {@link SimulationPages}, {@link
 * PatientPages} and {@link CompliancePages}.
 *
 * <p>Sign-out is a form post carrying the CSRF token, so that a link or image on another site cannot
 * sign a user out: {@link #logout} ends the app's session and sends the browser to Keycloak's
 * end-session endpoint (RP-initiated logout) with the ID token as hint, which ends the Keycloak session
 * too and returns to {@code /portal/me} (which then asks for a login again).
 */
@Path("/portal")
@Authenticated
public class PortalResource {

    private final SecurityIdentity identity;
    private final Viewer viewer;
    private final Pages pages;
    private final OidcSession session;
    private final OidcConfigurationMetadata provider;

    @Inject
    public PortalResource(
            SecurityIdentity identity,
            Viewer viewer,
            Pages pages,
            OidcSession session,
            OidcConfigurationMetadata provider) {
        this.identity = identity;
        this.viewer = viewer;
        this.pages = pages;
        this.session = session;
        this.provider = provider;
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
     * Signs out: 403 without this session's CSRF token; else the app's session cookie is removed and the
     * browser goes to Keycloak's end-session endpoint (303), which comes back to {@code /portal/me}.
     */
    @POST
    @Path("/logout")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response logout(
            @FormParam(Csrf.FIELD) String csrf, @HeaderParam(Csrf.HEADER) String header, @Context UriInfo uri) {
        return pages.guard(() -> {
            viewer.checkCsrf(csrf, header);
            String idToken = ((JsonWebToken) identity.getPrincipal()).getRawToken();
            session.logout().await().indefinitely();
            String endSession = provider.getEndSessionUri();
            if (endSession == null) { // a provider without RP-initiated logout: the local session ends
                return pages.seeOther("/portal/me");
            }
            return Response.seeOther(UriBuilder.fromUri(endSession)
                            .queryParam("id_token_hint", idToken)
                            .queryParam(
                                    "post_logout_redirect_uri",
                                    uri.getBaseUriBuilder().path("portal/me").build())
                            .build())
                    .header("Cache-Control", "no-store")
                    .build();
        });
    }

    /** A GET of the sign-out address signs nobody out (a link on another site could send it): 405. */
    @GET
    @Path("/logout")
    public Response logoutByLink() {
        Response page = pages.guard(() ->
                pages.error(405, "Use the Sign out button", "Signing out needs the Sign out button of a portal page."));
        return Response.fromResponse(page).header("Allow", "POST").build();
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
                    <form method="post" action="/portal/logout">
                      <input type="hidden" name="csrf-token" value="%s">
                      <button type="submit">Sign out</button>
                    </form>
                  </main>
                </body>
                </html>
                """
                .formatted(
                        Html.escape(name == null ? username : name),
                        Html.escape(username),
                        Html.escape(fhirUser == null ? "none" : fhirUser),
                        Html.escape(String.join(", ", new TreeSet<>(identity.getRoles()))),
                        Html.escape(viewer.csrfToken()));
    }
}
