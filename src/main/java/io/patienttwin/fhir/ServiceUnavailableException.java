package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/** 503: a service the answer depends on (the access audit) is unavailable; the client may retry. */
class ServiceUnavailableException extends BaseServerResponseException {

    ServiceUnavailableException(String message) {
        super(503, message);
    }
}
