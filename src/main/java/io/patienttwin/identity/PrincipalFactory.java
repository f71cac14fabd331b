package io.patienttwin.identity;

import io.patienttwin.identity.Principal.Kind;
import io.quarkus.oidc.runtime.OidcJwtCallerPrincipal;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Turns an authenticated Quarkus identity and its verified access token into a {@link Principal}: kind
 * from the realm roles, {@code fhirUser} and {@code smart_scopes} from the token's claims.
 */
@ApplicationScoped
public class PrincipalFactory {

    /** Claim with the user's FHIR resource, e.g. {@code Practitioner/alice} (realm mapper "fhirUser"). */
    public static final String FHIR_USER_CLAIM = "fhirUser";
    /**
     * Claim with the SMART scopes granted to the user or client (realm mapper "smart scopes"); an array,
     * or one space-separated string. Keycloak owns the OAuth {@code scope} claim, so they travel apart.
     */
    public static final String SMART_SCOPES_CLAIM = "smart_scopes";

    private static final Logger LOG = Logger.getLogger(PrincipalFactory.class);
    private static final Pattern RELATIVE_REFERENCE = Pattern.compile("[A-Z][A-Za-z]+/[A-Za-z0-9.-]{1,64}");

    /**
     * The principal behind a request authenticated with a bearer access token, whose JSON Web Token is
     * the identity's principal (quarkus-oidc {@code service} applications).
     *
     * @return empty when anonymous, when the principal is not a JSON Web Token, or as {@link
     *     #from(SecurityIdentity, JsonWebToken)}
     */
    public Optional<Principal> from(SecurityIdentity identity) {
        if (identity == null || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Optional.empty();
        }
        return from(identity, token);
    }

    /**
     * The principal behind an authenticated identity and the access token that authenticated it.
     * Cheap (no I/O), thread-safe, and never logs the token; the reason for an empty answer goes to the
     * log with the token's subject only.
     *
     * @param identity the verified identity; its roles are the realm roles (quarkus-oidc maps {@code
     *     realm_access/roles})
     * @param token the verified access token (not an ID token: only access tokens are meant for this API)
     * @return empty when the identity is anonymous, the token has no subject, the caller holds none of
     *     PatientTwin's roles, or its {@code fhirUser} contradicts its role (a clinician must be a
     *     Practitioner, a patient a Patient); callers then answer 403
     */
    public Optional<Principal> from(SecurityIdentity identity, JsonWebToken token) {
        if (identity == null || identity.isAnonymous() || token == null) {
            return Optional.empty();
        }
        return resolve(
                token.getSubject(),
                claim(token, "azp"),
                claim(token, FHIR_USER_CLAIM),
                claim(token, SMART_SCOPES_CLAIM),
                identity.getRoles());
    }

    /**
     * A claim of the verified token. Read from quarkus-oidc's claims set directly when it is there:
     * smallrye-jwt's {@code getClaim} first looks the name up in the standard claims enum and, for a
     * custom claim such as {@code fhirUser} or {@code smart_scopes}, builds an exception with its stack
     * trace to learn that it is not one: twice per claim and request otherwise (JFR showed it as a
     * top allocation site of the FHIR read path).
     */
    private static Object claim(JsonWebToken token, String name) {
        if (token instanceof OidcJwtCallerPrincipal oidc) {
            return oidc.getClaims().getClaimValue(name);
        }
        return token.getClaim(name);
    }

    /**
     * The rules, apart from Quarkus types. One kind per principal, by precedence: ehr-system, clinician,
     * patient, compliance-officer, admin.
     */
    static Optional<Principal> resolve(
            String subject, Object clientIdClaim, Object fhirUserClaim, Object scopesClaim, Set<String> roles) {
        if (subject == null || subject.isBlank()) {
            LOG.warn("PT-IDENTITY-403: access token without a subject");
            return Optional.empty();
        }
        String fhirUser = text(fhirUserClaim);
        if (fhirUser != null && !RELATIVE_REFERENCE.matcher(fhirUser).matches()) {
            LOG.warnf("PT-IDENTITY-403: subject %s has a fhirUser that is not a relative FHIR reference", subject);
            return Optional.empty();
        }
        Optional<Kind> kind = kindOf(roles, fhirUser);
        if (kind.isEmpty()) {
            LOG.warnf(
                    "PT-IDENTITY-403: subject %s holds no PatientTwin role, or its fhirUser does not match its role",
                    subject);
            return Optional.empty();
        }
        List<SmartScope> scopes = SmartScope.parseAll(texts(scopesClaim));
        return Optional.of(new Principal(kind.get(), subject, text(clientIdClaim), fhirUser, roles, scopes));
    }

    private static Optional<Kind> kindOf(Set<String> roles, String fhirUser) {
        if (roles.contains(Roles.EHR_SYSTEM)) {
            return Optional.of(Kind.SYSTEM);
        }
        if (roles.contains(Roles.CLINICIAN)) {
            return isOfType(fhirUser, "Practitioner") ? Optional.of(Kind.PRACTITIONER) : Optional.empty();
        }
        if (roles.contains(Roles.PATIENT)) {
            return isOfType(fhirUser, "Patient") ? Optional.of(Kind.PATIENT) : Optional.empty();
        }
        if (roles.contains(Roles.COMPLIANCE_OFFICER)) {
            return Optional.of(Kind.COMPLIANCE);
        }
        if (roles.contains(Roles.ADMIN)) {
            return Optional.of(Kind.ADMIN);
        }
        return Optional.empty();
    }

    private static boolean isOfType(String reference, String type) {
        return reference != null && reference.startsWith(type + "/");
    }

    /** A claim value as text: smallrye-jwt keeps custom string claims as String, arrays as JsonArray. */
    private static String text(Object value) {
        if (value instanceof JsonString json) {
            return json.getString();
        }
        if (value instanceof CharSequence chars) {
            return chars.toString();
        }
        return null;
    }

    private static List<String> texts(Object claim) {
        if (claim instanceof Collection<?> values) {
            List<String> texts = new ArrayList<>();
            for (Object value : values) {
                String text = text(value);
                if (text != null) {
                    texts.add(text);
                }
            }
            return texts;
        }
        String text = text(claim);
        return text == null ? List.of() : List.of(text);
    }
}
