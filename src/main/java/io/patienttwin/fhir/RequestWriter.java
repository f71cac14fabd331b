package io.patienttwin.fhir;

import io.patienttwin.fhir.store.WriterContext;
import io.patienttwin.policy.ReadContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The store's {@link WriterContext}: the principal of the current FHIR or portal request. */
@ApplicationScoped
class RequestWriter implements WriterContext {

    private final CurrentReader reader;

    RequestWriter(CurrentReader reader) {
        this.reader = reader;
    }

    @Override
    public Optional<ReadContext> current() {
        return CurrentReader.contextOf(reader);
    }
}
