package io.patienttwin.fhir;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IBaseXhtml;
import org.hl7.fhir.instance.model.api.IPrimitiveType;

/**
 * Prepares a resource a client sent for the store, in one walk over its elements:
 *
 * <ul>
 *   <li>references to this server become relative ({@code http://host/fhir/Patient/p} becomes {@code
 *       Patient/p}), for the base the client used and for the configured {@code twin.fhir.base-url}. The
 *       store resolves patient links from relative references only and refuses any other absolute
 *       reference in a patient link (fail closed), so one link never reaches the index in one form and
 *       a reader in another;
 *   <li>an empty (JSON {@code null}) entry in a list of complex values is refused with 400 {@code
 *       PT-FHIR-400-PARSE};
 *   <li>text that no database column can hold faithfully is refused with 400 {@code PT-FHIR-400-TEXT}:
 *       a NUL character, or half of a UTF-16 surrogate pair (a {@code \\ud800} escape on its own).
 * </ul>
 */
@ApplicationScoped
class IncomingResources {

    private final FhirContext fhirContext;
    private final Optional<String> configuredBase;

    IncomingResources(FhirContext fhirContext, @ConfigProperty(name = "twin.fhir.base-url") Optional<String> base) {
        this.fhirContext = fhirContext;
        this.configuredBase = base.map(IncomingResources::withSlash);
    }

    /**
     * Normalises references and checks text, in place.
     *
     * @param requestBase the base URL the client addressed ({@code http://host/fhir}), or null
     * @throws InvalidRequestException for text the store cannot hold
     */
    void prepare(IBaseResource resource, String requestBase) {
        String request = requestBase == null ? null : withSlash(requestBase);
        fhirContext.newTerser().visit(resource, (container, element, path, child, definition) -> {
            if (definition instanceof BaseRuntimeElementCompositeDefinition<?> composite) {
                requireNoEmptyEntries(element, composite, path);
            }
            if (element instanceof IBaseReference reference) {
                String value = reference.getReferenceElement().getValue();
                String relative = relative(value, request);
                if (!Objects.equals(relative, value)) {
                    reference.setReference(relative);
                }
            } else if (element instanceof IPrimitiveType<?> primitive && !(element instanceof IBaseXhtml)) {
                String text = primitive.getValueAsString();
                if (text != null && !storable(text)) {
                    throw new InvalidRequestException("PT-FHIR-400-TEXT: " + String.join(".", path)
                            + " contains a NUL character or an unpaired surrogate, which cannot be stored");
                }
            }
        });
    }

    /**
     * A JSON {@code null} in a list of complex values ({@code "coding": [null]}) parses to an empty slot
     * the rest of the server would trip over; it is the client's mistake, refused with 400.
     */
    private static void requireNoEmptyEntries(
            IBase element, BaseRuntimeElementCompositeDefinition<?> definition, java.util.List<String> path) {
        for (BaseRuntimeChildDefinition child : definition.getChildren()) {
            for (IBase value : child.getAccessor().getValues(element)) {
                if (value == null) {
                    throw new InvalidRequestException("PT-FHIR-400-PARSE: " + String.join(".", path) + "."
                            + child.getElementName() + " has an empty (null) entry");
                }
            }
        }
    }

    /** The value without this server's base, or the value itself when it names another server. */
    String relative(String value, String requestBase) {
        if (value == null || !(value.startsWith("http://") || value.startsWith("https://"))) {
            return value;
        }
        String base = requestBase != null && value.startsWith(requestBase)
                ? requestBase
                : configuredBase.filter(value::startsWith).orElse(null);
        return base == null || value.length() == base.length() ? value : value.substring(base.length());
    }

    /** No NUL, and every surrogate in a pair. */
    static boolean storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String withSlash(String base) {
        return base.endsWith("/") ? base : base + "/";
    }
}
