package io.patienttwin.portal;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Renders portal pages with the layout's data (the viewer, the CSRF token) and the portal's response
 * headers, and turns every failure into a friendly error page: 403 for anything the gate refuses (the
 * same page whether or not the patient exists), 404, 400/422 with the reason, 503 when the audit cannot
 * record, 500 with an error id and nothing else (the stack trace goes to the log only).
 */
@ApplicationScoped
public class Pages {

    private static final Logger LOG = Logger.getLogger(Pages.class);

    private final PortalTemplates templates;
    private final Viewer viewer;
    private final String csp;

    /**
     * @param identityProvider the realm URL; its origin is the one other place a form may lead to
     *     (sign-out answers with a redirect to Keycloak's end-session endpoint, and browsers apply
     *     {@code form-action} to redirects)
     */
    Pages(
            PortalTemplates templates,
            Viewer viewer,
            @ConfigProperty(name = "quarkus.oidc.portal.auth-server-url") Optional<String> identityProvider) {
        this.templates = templates;
        this.viewer = viewer;
        this.csp = csp(identityProvider.map(Pages::origin).orElse(""));
    }

    /** Scripts and styles from this origin only; no inline script; no framing; forms to here or Keycloak. */
    static String csp(String identityOrigin) {
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                + " connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
                + (identityOrigin.isEmpty() ? "" : " " + identityOrigin) + "; base-uri 'none'";
    }

    static String origin(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    /** A page: the template with the data plus {@code viewer}, {@code csrf} and {@code title}. */
    public Response page(String template, String title, Map<String, Object> data) {
        return html(200, render(template, title, data));
    }

    /** An htmx fragment (no layout). */
    public Response fragment(String template, Map<String, Object> data) {
        return html(200, render(template, null, data));
    }

    /** 303 to another portal page (after a form post). */
    public Response seeOther(String path) {
        return Response.seeOther(URI.create(path))
                .header("Cache-Control", "no-store")
                .build();
    }

    /** Runs a page and answers any failure with an error page. */
    public Response guard(Supplier<Response> page) {
        try {
            return page.get();
        } catch (PortalException e) {
            return error(e.status(), e.title(), e.getMessage());
        } catch (BaseServerResponseException e) {
            return switch (e.getStatusCode()) {
                case 403, 401 -> error(
                        403,
                        "Not permitted",
                        "You do not have an active consent or grant that permits this. Nothing was shown.");
                case 404, 410 -> error(404, "Not found", "There is no such record.");
                case 400, 422, 409, 412 -> error(e.getStatusCode(), "Cannot do that", e.getMessage());
                case 503 -> error(
                        503,
                        "Temporarily unavailable",
                        "The access audit cannot record right now;"
                                + " no data is shown until it can. Try again in a moment.");
                default -> internal(e);
            };
        } catch (RuntimeException e) {
            return internal(e);
        }
    }

    private Response internal(RuntimeException e) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        LOG.errorf(e, "PT-PORTAL-500 %s", id);
        return error(500, "Something went wrong", "The page could not be shown (error " + id + ").");
    }

    /** The error page. */
    public Response error(int status, String title, String detail) {
        Map<String, Object> data = new HashMap<>();
        data.put("status", status);
        data.put("heading", title);
        data.put("detail", detail);
        String body;
        try {
            body = render("error", title, data);
        } catch (RuntimeException e) { // signed out or no role: the page without a viewer
            data.put("viewer", null);
            data.put("csrf", "");
            data.put("title", title);
            body = templates.render("error", data);
        }
        return html(status, body);
    }

    private String render(String template, String title, Map<String, Object> data) {
        Map<String, Object> model = new HashMap<>(data);
        model.put("viewer", viewer);
        model.put("csrf", viewer.csrfToken());
        model.put("title", title == null ? "" : title);
        return templates.render(template, model);
    }

    private Response html(int status, String body) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(body)
                .header("Content-Security-Policy", csp)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store")
                .build();
    }
}
