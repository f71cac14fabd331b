package io.patienttwin.portal;

import io.quarkus.oidc.TenantResolver;
import io.quarkus.oidc.runtime.OidcUtils;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps the portal's OIDC tenant (code flow, session cookie) to the portal's own paths: {@code /} and
 * {@code /portal/*}. Everywhere else — {@code /fhir}, {@code /api} — the default tenant checks bearer
 * tokens only, and a portal session cookie authenticates nothing: without this, Quarkus takes the
 * tenant a session cookie names as a hint on any path, so a browser's cookie (sent along by any page
 * that makes the browser call the API) would reach the FHIR API and the admin API.
 */
@ApplicationScoped
public class PortalTenant implements TenantResolver {

    static final String TENANT = "portal";

    @Override
    public String resolve(RoutingContext context) {
        String path = context.normalizedPath();
        if (path.equals("/") || path.equals("/portal") || path.startsWith("/portal/")) {
            return TENANT;
        }
        // drop the session cookie's hint: the default (bearer) tenant decides
        context.remove(OidcUtils.TENANT_ID_ATTRIBUTE);
        return null;
    }
}
