package io.patienttwin.localstack;

/** Keycloak could not be started; the message says why and carries the end of its log. */
public class KeycloakStartException extends RuntimeException {

    public KeycloakStartException(String message) {
        super(message);
    }

    public KeycloakStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
