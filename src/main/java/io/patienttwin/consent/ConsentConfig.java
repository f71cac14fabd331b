package io.patienttwin.consent;

import io.smallrye.config.ConfigMapping;

/** Settings of consent handling. */
@ConfigMapping(prefix = "twin.consent")
public interface ConsentConfig {

    /**
     * The secret of the patient and consent pseudonyms on chain (HMAC-SHA256), base64, at least 32
     * random bytes. From the environment only ({@code TWIN_CONSENT_PSEUDONYM_SECRET}); the same on
     * every node of a deployment, and never changed: a new secret unlinks every record already on chain.
     */
    String pseudonymSecret();
}
