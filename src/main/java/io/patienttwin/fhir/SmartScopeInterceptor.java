package io.patienttwin.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.identity.Interaction;
import io.patienttwin.identity.Principal;
import io.patienttwin.identity.PrincipalFactory;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.jboss.logging.Logger;

/**
 * Enforces SMART on FHIR scopes on every /fhir interaction, before any consent check: the caller's
 * token must hold a scope that allows the interaction (c, r, u, d or s) on each resource type the
 * request touches, or the request is refused with 403 ({@code PT-AUTH-403}). Authentication itself
 * (401 for a missing or invalid token) happens earlier, in Quarkus' HTTP security.
 *
 * <p>A transaction or batch Bundle is checked entry by entry, and refused whole if any entry is not
 * allowed. The reason for a refusal is logged (never the token); the client gets the plain code.
 */
@ApplicationScoped
@Interceptor
public class SmartScopeInterceptor {

    private static final Logger LOG = Logger.getLogger(SmartScopeInterceptor.class);
    /** Operations that read the whole patient compartment: $everything, the twin built from it, and its rerun. */
    private static final Set<String> COMPARTMENT_READS = Set.of("$everything", "$twin", "$simulate", "$reproduce");

    /** A resource type and an interaction on it that a request needs. */
    record Need(String resourceType, Interaction interaction) {}

    @Inject
    SecurityIdentity identity;

    @Inject
    PrincipalFactory principals;

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void requireScopes(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Principal principal = principals.from(identity).orElse(null);
        if (principal == null) {
            deny("no PatientTwin principal (missing role or fhirUser) for " + operation);
        }
        for (Need need : needs(request, operation)) {
            if (!principal.permits(need.resourceType(), need.interaction())) {
                deny(principal.subject() + " has no scope for " + need.interaction() + " on " + need.resourceType());
            }
        }
    }

    /**
     * What a request needs. An interaction not listed here (e.g. tag operations) needs full rights:
     * create and delete on every type, which only a {@code system/*.cruds}-like scope holds.
     */
    static List<Need> needs(RequestDetails request, RestOperationTypeEnum operation) {
        String type = request.getResourceName();
        return switch (operation) {
            case READ, VREAD, HISTORY_INSTANCE -> List.of(new Need(type, Interaction.READ));
            case SEARCH_TYPE, HISTORY_TYPE -> List.of(new Need(type, Interaction.SEARCH));
            case SEARCH_SYSTEM, HISTORY_SYSTEM -> List.of(new Need("*", Interaction.SEARCH));
            case CREATE -> List.of(new Need(type, Interaction.CREATE));
            case UPDATE, PATCH -> List.of(new Need(type, Interaction.UPDATE));
            case DELETE -> List.of(new Need(type, Interaction.DELETE));
            case VALIDATE -> List.of(new Need(type, Interaction.READ));
            case TRANSACTION, BATCH -> bundleNeeds(request);
            case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE -> COMPARTMENT_READS.contains(
                            request.getOperation())
                    // every type of the compartment is read and searched
                    ? List.of(new Need("*", Interaction.READ), new Need("*", Interaction.SEARCH))
                    : List.of(new Need(type, Interaction.READ));
            default -> List.of(new Need("*", Interaction.CREATE), new Need("*", Interaction.DELETE));
        };
    }

    private static List<Need> bundleNeeds(RequestDetails request) {
        if (!(request.getResource() instanceof Bundle bundle)) {
            return List.of();
        }
        List<Need> needs = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.HTTPVerb method = entry.getRequest().getMethod();
            String url = entry.getRequest().getUrl() == null
                    ? ""
                    : BundleProcessor.stripBase(entry.getRequest().getUrl());
            String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
            String[] segments = path.split("/");
            if (method == null) {
                continue; // refused with 400 by the Bundle processor
            }
            // The type an entry acts on is its URL's; a POST names it by its body (the Bundle processor
            // refuses a URL of another type), and a body on a DELETE or GET is refused with 400. Where a
            // body names another type than the URL, both are checked, so neither can stand in for the other.
            String type = method == Bundle.HTTPVerb.POST && entry.hasResource()
                    ? entry.getResource().fhirType()
                    : segments[0].isEmpty() ? "*" : segments[0];
            Interaction interaction = interactionOf(method, segments, url);
            if (interaction == null) {
                needs.add(new Need("*", Interaction.DELETE)); // refused by the Bundle processor too
                continue;
            }
            needs.add(new Need(type, interaction));
            if (entry.hasResource() && !entry.getResource().fhirType().equals(type)) {
                needs.add(new Need(entry.getResource().fhirType(), interaction));
            }
        }
        return needs;
    }

    /** The interaction of an entry's method; null for a method the server does not take in a Bundle. */
    private static Interaction interactionOf(Bundle.HTTPVerb method, String[] segments, String url) {
        return switch (method) {
            case POST -> Interaction.CREATE;
            case PUT, PATCH -> Interaction.UPDATE;
            case DELETE -> Interaction.DELETE;
            case GET, HEAD -> segments.length > 1 && !url.contains("?") ? Interaction.READ : Interaction.SEARCH;
            default -> null;
        };
    }

    private static void deny(String reason) {
        LOG.infof("Refused by SMART scopes: %s", reason);
        throw new ForbiddenOperationException("PT-AUTH-403: access denied");
    }
}
