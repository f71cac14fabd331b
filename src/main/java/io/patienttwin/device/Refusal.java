package io.patienttwin.device;

/**
 * Why a published message was not stored: the reason (a code a dead-letter consumer can count by) and a
 * sentence for the device's maintainer.
 */
public record Refusal(Reason reason, String detail) {

    /** The reasons a reading is refused. */
    public enum Reason {
        /** Published under {@code devices/} but not to {@code devices/{deviceId}/readings}. */
        WRONG_TOPIC,
        /** Not a reading this server understands: not JSON, a field missing or out of range, a bad unit. */
        MALFORMED,
        /** No Device with the topic's id is stored (or it was deleted). */
        UNREGISTERED_DEVICE,
        /** The Device is not active, or names no patient this server holds. */
        DEVICE_NOT_ASSIGNED,
        /** A FHIR Observation naming another patient or device than the one its topic's Device is assigned to. */
        SUBJECT_MISMATCH,
        /** The store refused the write (the write gate, a constraint); the detail says which. */
        NOT_STORED
    }

    public static Refusal of(Reason reason, String detail) {
        return new Refusal(reason, detail);
    }
}
