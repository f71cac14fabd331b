package io.patienttwin.consent;

/**
 * CDI event, fired inside the transaction that changed a consent's recorded state (confirmed,
 * revoked or rejected by the chain). The FHIR layer observes it and stores the Consent's new status
 * and chain proof ({@link ConsentLedger#applyRecordedState}) in the same transaction.
 */
public record ConsentStateChanged(String consentId) {}
