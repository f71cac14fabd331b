package io.patienttwin.audit;

/** The audit trail could not make a record durable: the access it records must not happen (fail closed). */
public class AuditUnavailableException extends RuntimeException {

    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
