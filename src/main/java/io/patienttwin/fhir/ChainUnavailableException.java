package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/** 503: an answer needs the chain, and the chain cannot be reached; the client may retry. */
class ChainUnavailableException extends BaseServerResponseException {

    ChainUnavailableException(String message) {
        super(503, message);
    }
}
