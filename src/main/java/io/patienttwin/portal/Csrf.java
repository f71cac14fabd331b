package io.patienttwin.portal;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Synchronizer tokens for the portal's forms: HMAC-SHA256 of the Keycloak login session ({@code sid},
 * else subject and authentication time) under a server secret. Every state-changing portal request
 * must carry the token in the form field {@code csrf-token} or the header {@code X-CSRF-Token} (htmx);
 * a missing or wrong token is a 403. A page from another site can neither read the token nor compute
 * it. The session cookie is also SameSite=Lax (Quarkus OIDC's default), a second line.
 *
 * <p>quarkus-rest-csrf would do this, but it depends on the Qute extension (see {@link
 * PortalTemplates}).
 */
@ApplicationScoped
public class Csrf {

    /** The form field that carries the token. */
    public static final String FIELD = "csrf-token";
    /** The header that carries the token (htmx requests). */
    public static final String HEADER = "X-CSRF-Token";

    private static final Logger LOG = Logger.getLogger(Csrf.class);

    private final byte[] key;

    Csrf(@ConfigProperty(name = "twin.portal.csrf-secret") Optional<String> secret) {
        if (secret.isPresent() && secret.get().length() >= 32) {
            key = secret.get().getBytes(StandardCharsets.UTF_8);
        } else {
            if (secret.isPresent()) {
                throw new IllegalStateException("twin.portal.csrf-secret must be at least 32 characters");
            }
            LOG.warn("twin.portal.csrf-secret is not set: a random key per process (set it when several"
                    + " instances serve the portal)");
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        }
    }

    /** The token of a login session. */
    public String token(String session) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] tag = mac.doFinal(("portal-csrf|" + session).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether one of the presented values is the token of the session (constant-time compare). */
    public boolean valid(String session, String... presented) {
        byte[] expected = token(session).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String value : presented) {
            if (value != null && MessageDigest.isEqual(expected, value.getBytes(StandardCharsets.US_ASCII))) {
                ok = true;
            }
        }
        return ok;
    }
}
