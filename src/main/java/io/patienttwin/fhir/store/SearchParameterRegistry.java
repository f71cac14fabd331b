package io.patienttwin.fhir.store;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.patienttwin.policy.PatientCompartment;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The search parameters of every R4 resource type, derived from HAPI's FhirContext (the parameters
 * defined by the R4 specification) and parsed once. Thread-safe; each type is built on first use.
 */
@ApplicationScoped
public class SearchParameterRegistry {

    private static final Logger LOG = Logger.getLogger(SearchParameterRegistry.class);

    /** Parameters on every type, answered from the resource table itself rather than an index. */
    static final Set<String> RESOURCE_TABLE_PARAMS = Set.of("_id", "_lastUpdated");

    private static final Set<RestSearchParameterTypeEnum> INDEXED_TYPES = Set.of(
            RestSearchParameterTypeEnum.STRING,
            RestSearchParameterTypeEnum.TOKEN,
            RestSearchParameterTypeEnum.REFERENCE,
            RestSearchParameterTypeEnum.DATE,
            RestSearchParameterTypeEnum.QUANTITY,
            RestSearchParameterTypeEnum.NUMBER,
            RestSearchParameterTypeEnum.URI);

    private final FhirContext fhirContext;
    private final Map<String, Map<String, IndexedParam>> byType = new ConcurrentHashMap<>();

    public SearchParameterRegistry(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /** The indexed search parameters of a resource type, by name; empty for an unknown type. */
    public Map<String, IndexedParam> paramsOf(String resourceType) {
        return byType.computeIfAbsent(resourceType, this::build);
    }

    /** One parameter of a type, if the store indexes it. */
    public Optional<IndexedParam> param(String resourceType, String name) {
        return Optional.ofNullable(paramsOf(resourceType).get(name));
    }

    /**
     * Whether resources of a type can belong to a patient's compartment: Patient itself and every type
     * with a search parameter that gives membership in it ({@link PatientCompartment}).
     */
    public boolean inPatientCompartment(String resourceType) {
        // one definition for the store, the reader and the decision point
        return PatientCompartment.contains(resourceType);
    }

    /** The names of a type's search parameters that give membership in a patient's compartment. */
    public List<String> compartmentParams(String resourceType) {
        return paramsOf(resourceType).values().stream()
                .filter(IndexedParam::patientCompartment)
                .map(IndexedParam::name)
                .toList();
    }

    /** Whether a name is an R4 resource type. */
    public boolean isResourceType(String name) {
        return fhirContext.getResourceTypes().contains(name);
    }

    /** Whether a name is a search parameter of the type, indexed or not (e.g. composite ones). */
    public boolean isDefined(String resourceType, String name) {
        if (!fhirContext.getResourceTypes().contains(resourceType)) {
            return false;
        }
        return fhirContext.getResourceDefinition(resourceType).getSearchParam(name) != null;
    }

    private Map<String, IndexedParam> build(String resourceType) {
        if (!fhirContext.getResourceTypes().contains(resourceType)) {
            return Map.of();
        }
        RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(resourceType);
        IFhirPath fhirPath = fhirContext.newFhirPath();
        Map<String, IndexedParam> params = new LinkedHashMap<>();
        for (RuntimeSearchParam sp : definition.getSearchParams()) {
            if (!INDEXED_TYPES.contains(sp.getParamType())
                    || RESOURCE_TABLE_PARAMS.contains(sp.getName())
                    || sp.getPath() == null
                    || sp.getPath().isBlank()) {
                continue;
            }
            String path = pathFor(resourceType, sp);
            try {
                params.put(
                        sp.getName(),
                        new IndexedParam(
                                sp.getName(),
                                sp.getParamType(),
                                path,
                                fhirPath.parse(path),
                                sp.getTargets() == null ? Set.of() : sp.getTargets(),
                                sp.getProvidesMembershipInCompartments() != null
                                        && sp.getProvidesMembershipInCompartments()
                                                .contains("Patient")));
            } catch (Exception e) {
                // A path the R4 FHIRPath engine cannot parse leaves that parameter unsupported, not the type.
                LOG.warnf("Search parameter %s.%s is not indexed: %s", resourceType, sp.getName(), e.getMessage());
            }
        }
        return Collections.unmodifiableMap(params);
    }

    private static String pathFor(String resourceType, RuntimeSearchParam sp) {
        // Shared definitions list every base type's path ("Account.subject | Observation.subject");
        // evaluate only the alternatives that apply to this type.
        var paths = sp.getPathsSplitForResourceType(resourceType);
        return paths.isEmpty() ? sp.getPath() : String.join(" | ", paths);
    }
}
