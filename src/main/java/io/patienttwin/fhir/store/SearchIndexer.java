package io.patienttwin.fhir.store;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.fhirpath.IFhirPathEvaluationContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Enumeration;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Timing;
import org.hl7.fhir.r4.model.UriType;
import org.jboss.logging.Logger;

/**
 * Extracts search-index rows from a resource by evaluating the R4 search parameter expressions of its
 * type. Called at write time for every stored version; thread-safe (one FHIRPath engine per thread).
 */
@ApplicationScoped
public class SearchIndexer {

    private static final Logger LOG = Logger.getLogger(SearchIndexer.class);
    static final int MAX_STRING = 200;
    static final int MAX_URL = 512;
    static final int MAX_TOKEN = 256;
    static final int MAX_QUANTITY_CODE = 128;
    static final int MAX_QUANTITY_DIGITS = 100;

    private final FhirContext fhirContext;
    private final SearchParameterRegistry registry;
    private final ThreadLocal<IFhirPath> engines;

    public SearchIndexer(FhirContext fhirContext, SearchParameterRegistry registry) {
        this.fhirContext = fhirContext;
        this.registry = registry;
        this.engines = ThreadLocal.withInitial(this::newEngine);
    }

    private IFhirPath newEngine() {
        IFhirPath engine = fhirContext.newFhirPath();
        engine.setEvaluationContext(new IFhirPathEvaluationContext() {
            @Override
            public IBase resolveReference(IIdType reference, IBase context) {
                // resolve() in a search expression only asks for the target's type ("resolve() is Patient"):
                // an empty resource of that type answers it without a database round trip.
                if (reference == null || !reference.hasResourceType()) {
                    return null;
                }
                try {
                    IBaseResource stub = fhirContext
                            .getResourceDefinition(reference.getResourceType())
                            .newInstance();
                    stub.setId(reference.getResourceType() + "/" + reference.getIdPart());
                    return stub;
                } catch (RuntimeException unknownType) {
                    return null;
                }
            }
        });
        return engine;
    }

    /** The index rows of a resource; never null. */
    ResourceIndex index(IBaseResource resource) {
        String type = fhirContext.getResourceType(resource);
        ResourceIndex index = new ResourceIndex();
        IFhirPath engine = engines.get();
        for (IndexedParam param : registry.paramsOf(type).values()) {
            List<IBase> values;
            try {
                values = engine.evaluate(resource, param.expression(), IBase.class);
            } catch (RuntimeException e) {
                LOG.debugf("Search parameter %s.%s could not be evaluated: %s", type, param.name(), e.getMessage());
                continue;
            }
            for (IBase value : values) {
                add(index, param, value);
                if (param.patientCompartment()) {
                    checkCompartmentLink(index, param, value, resource);
                }
            }
        }
        dedupe(index);
        return index;
    }

    private static void add(ResourceIndex index, IndexedParam param, IBase value) {
        String name = param.name();
        switch (param.type()) {
            case STRING -> strings(value).forEach(s -> addString(index, name, s));
            case TOKEN -> addTokens(index, name, value);
            case REFERENCE -> addReference(index, param, value);
            case DATE -> addDate(index, name, value);
            case QUANTITY, NUMBER -> addQuantity(index, name, value);
            case URI -> {
                if (value instanceof PrimitiveType<?> p && p.hasValue()) {
                    index.uris.add(new ResourceIndex.UriRow(name, truncate(p.getValueAsString(), MAX_URL)));
                }
            }
            default -> {}
        }
    }

    private static List<String> strings(IBase value) {
        if (value instanceof HumanName n) {
            var all = new java.util.ArrayList<String>();
            if (n.hasFamily()) all.add(n.getFamily());
            n.getGiven().forEach(g -> all.add(g.getValue()));
            n.getPrefix().forEach(g -> all.add(g.getValue()));
            n.getSuffix().forEach(g -> all.add(g.getValue()));
            if (n.hasText()) all.add(n.getText());
            return all;
        }
        if (value instanceof Address a) {
            var all = new java.util.ArrayList<String>();
            a.getLine().forEach(l -> all.add(l.getValue()));
            for (String s : new String[] {
                a.getCity(), a.getDistrict(), a.getState(), a.getPostalCode(), a.getCountry(), a.getText()
            }) {
                all.add(s);
            }
            return all;
        }
        if (value instanceof PrimitiveType<?> p && p.hasValue()) {
            return List.of(p.getValueAsString());
        }
        return List.of();
    }

    private static void addString(ResourceIndex index, String name, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        index.strings.add(
                new ResourceIndex.StringRow(name, truncate(normalize(value), MAX_STRING), truncate(value, MAX_STRING)));
    }

    private static void addTokens(ResourceIndex index, String name, IBase value) {
        if (value instanceof CodeableConcept cc) {
            cc.getCoding().forEach(c -> addToken(index, name, c.getSystem(), c.getCode()));
        } else if (value instanceof Coding c) {
            addToken(index, name, c.getSystem(), c.getCode());
        } else if (value instanceof Identifier id) {
            addToken(index, name, id.getSystem(), id.getValue());
        } else if (value instanceof ContactPoint cp) {
            addToken(index, name, cp.hasSystem() ? cp.getSystem().toCode() : null, cp.getValue());
        } else if (value instanceof Enumeration<?> e && e.hasValue()) {
            addToken(index, name, e.getSystem(), e.getValueAsString());
        } else if (value instanceof BooleanType b && b.hasValue()) {
            addToken(index, name, null, b.getValueAsString());
        } else if (value instanceof PrimitiveType<?> p && p.hasValue()) {
            addToken(index, name, null, p.getValueAsString());
        }
    }

    private static void addToken(ResourceIndex index, String name, String system, String code) {
        if (code == null && system == null) {
            return;
        }
        index.tokens.add(new ResourceIndex.TokenRow(name, truncate(system, MAX_TOKEN), truncate(code, MAX_TOKEN)));
    }

    /**
     * Notes a patient link that does not resolve to a Patient of this server. A reference resolves when
     * it is relative ({@code Type/id}, absolute URLs of this server have been made relative before the
     * store sees them); one whose target is plainly not a Patient (its {@code type}, the type in its URL,
     * or the contained resource it names) is no patient link at all.
     */
    private static void checkCompartmentLink(
            ResourceIndex index, IndexedParam param, IBase value, IBaseResource resource) {
        if (!(value instanceof Reference r)) {
            return;
        }
        String reference = r.getReference();
        String declared = r.hasType() ? r.getType() : null;
        String unresolved;
        if (reference == null || reference.isBlank()) {
            if (!r.hasIdentifier() && !r.hasDisplay()) {
                return;
            }
            unresolved = r.hasIdentifier() ? "identifier " + r.getIdentifier().getValue() : "display only";
        } else if (reference.startsWith("#")) {
            declared = declared != null ? declared : containedType(resource, reference.substring(1));
            unresolved = "contained reference " + reference;
        } else if (reference.startsWith("urn:")) {
            unresolved = "reference " + reference;
        } else {
            IdType id = new IdType(reference);
            if (!id.hasBaseUrl() && id.hasResourceType() && ResourceStore.isValidId(id.getIdPart())) {
                return;
            }
            declared = id.hasResourceType() ? id.getResourceType() : declared;
            unresolved = "reference " + reference;
        }
        if (declared == null || "Patient".equals(declared)) {
            index.unresolvedCompartmentLinks.add(param.name() + ": " + truncate(unresolved, 120));
        }
    }

    private static String containedType(IBaseResource resource, String localId) {
        if (resource instanceof org.hl7.fhir.r4.model.DomainResource domain) {
            for (org.hl7.fhir.r4.model.Resource contained : domain.getContained()) {
                String id = contained.getIdElement().getIdPart();
                if (localId.equals(id) || ("#" + localId).equals(id)) {
                    return contained.fhirType();
                }
            }
        }
        return null;
    }

    private static void addReference(ResourceIndex index, IndexedParam param, IBase value) {
        String reference;
        if (value instanceof Reference r) {
            reference = r.getReference();
        } else if (value instanceof UriType uri) {
            reference = uri.getValue();
        } else {
            return;
        }
        if (reference == null || reference.isBlank() || reference.startsWith("#")) {
            return;
        }
        IdType id = new IdType(reference);
        if (reference.startsWith("urn:")) {
            index.references.add(
                    new ResourceIndex.ReferenceRow(param.name(), null, null, truncate(reference, MAX_URL), false));
        } else if (id.hasBaseUrl()) {
            index.references.add(new ResourceIndex.ReferenceRow(
                    param.name(), id.getResourceType(), id.getIdPart(), truncate(reference, MAX_URL), false));
        } else if (id.hasResourceType() && id.hasIdPart() && !ResourceStore.isValidId(id.getIdPart())) {
            // No stored resource can have such an id; keep the reference searchable by its text.
            index.references.add(
                    new ResourceIndex.ReferenceRow(param.name(), null, null, truncate(reference, MAX_URL), false));
        } else if (id.hasResourceType() && id.hasIdPart()) {
            boolean compartment = param.patientCompartment() && "Patient".equals(id.getResourceType());
            index.references.add(new ResourceIndex.ReferenceRow(
                    param.name(), id.getResourceType(), id.getIdPart(), null, compartment));
        } else {
            index.references.add(
                    new ResourceIndex.ReferenceRow(param.name(), null, null, truncate(reference, MAX_URL), false));
        }
    }

    private static void addDate(ResourceIndex index, String name, IBase value) {
        if (value instanceof BaseDateTimeType dt && dt.getValue() != null) {
            index.dates.add(new ResourceIndex.DateRow(name, DateRanges.low(dt), DateRanges.high(dt)));
        } else if (value instanceof Period p && (p.hasStart() || p.hasEnd())) {
            index.dates.add(new ResourceIndex.DateRow(
                    name,
                    p.hasStart() ? DateRanges.low(p.getStartElement()) : null,
                    p.hasEnd() ? DateRanges.high(p.getEndElement()) : null));
        } else if (value instanceof Timing t) {
            t.getEvent().stream()
                    .filter(e -> e.getValue() != null)
                    .forEach(e ->
                            index.dates.add(new ResourceIndex.DateRow(name, DateRanges.low(e), DateRanges.high(e))));
        }
    }

    private static void addQuantity(ResourceIndex index, String name, IBase value) {
        if (value instanceof Money m && m.hasValue()) {
            addQuantityRow(index, name, m.getValue(), "urn:iso:std:iso:4217", m.getCurrency());
        } else if (value instanceof Quantity q && q.hasValue()) {
            addQuantityRow(index, name, q.getValue(), q.getSystem(), q.hasCode() ? q.getCode() : q.getUnit());
        } else if (value instanceof Range r) {
            if (r.hasLow()) addQuantity(index, name, r.getLow());
            if (r.hasHigh()) addQuantity(index, name, r.getHigh());
        } else if (value instanceof DecimalType d && d.hasValue()) {
            addQuantityRow(index, name, d.getValue(), null, null);
        } else if (value instanceof IntegerType i && i.hasValue()) {
            addQuantityRow(index, name, BigDecimal.valueOf(i.getValue()), null, null);
        }
    }

    /**
     * Adds a quantity index row. A FHIR decimal has no range limit, the index column does: values
     * beyond {@value #MAX_QUANTITY_DIGITS} integer digits stay stored but unsearchable, and finer
     * fractions are rounded, so that no valid resource is refused because of its index.
     */
    private static void addQuantityRow(ResourceIndex index, String name, BigDecimal value, String system, String code) {
        if (value.precision() - value.scale() > MAX_QUANTITY_DIGITS) {
            return;
        }
        BigDecimal indexed = value.scale() > MAX_QUANTITY_DIGITS
                ? value.setScale(MAX_QUANTITY_DIGITS, java.math.RoundingMode.HALF_EVEN)
                : value;
        index.quantities.add(new ResourceIndex.QuantityRow(
                name, indexed, truncate(system, MAX_TOKEN), truncate(code, MAX_QUANTITY_CODE)));
    }

    private static void dedupe(ResourceIndex index) {
        dedupeList(index.strings);
        dedupeList(index.tokens);
        dedupeList(index.references);
        dedupeList(index.dates);
        dedupeList(index.quantities);
        dedupeList(index.uris);
    }

    private static <T> void dedupeList(List<T> rows) {
        if (rows.size() > 1) {
            Set<T> seen = new HashSet<>(rows);
            if (seen.size() != rows.size()) {
                var unique = new java.util.LinkedHashSet<>(rows);
                rows.clear();
                rows.addAll(unique);
            }
        }
    }

    /** Lower-case without diacritics: the form string search compares against. */
    static String normalize(String value) {
        String decomposed = Normalizer.normalize(value, Normalizer.Form.NFD);
        return decomposed.replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
    }

    static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }

    static boolean isIndexable(RestSearchParameterTypeEnum type) {
        return type != RestSearchParameterTypeEnum.COMPOSITE && type != RestSearchParameterTypeEnum.SPECIAL;
    }
}
