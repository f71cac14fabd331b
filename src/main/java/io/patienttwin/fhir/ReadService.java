package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.model.valueset.BundleEntryTransactionMethodEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.SearchRequest;
import io.patienttwin.fhir.store.StoredResource;
import io.patienttwin.policy.ReadContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;

/**
 * The FHIR read interactions over the {@link GatedResourceReader}: parses stored JSON, maps missing
 * and deleted resources to 404 and 410, and builds offset-paged result sets with exact totals.
 */
@ApplicationScoped
public class ReadService {

    /** Most resources a page may pull in through _include and _revinclude together. */
    static final int MAX_INCLUDES = 1000;

    private final GatedResourceReader reader;
    private final SearchRequests searchRequests;
    private final FhirContext fhirContext;
    private final CurrentReader current;

    public ReadService(
            GatedResourceReader reader, SearchRequests searchRequests, FhirContext fhirContext, CurrentReader current) {
        this.reader = reader;
        this.searchRequests = searchRequests;
        this.fhirContext = fhirContext;
        this.current = current;
    }

    /** The current version; 404 if it never existed, 410 if deleted. */
    public IBaseResource read(String type, String id) {
        StoredResource stored = reader.read(current.context(), type, id).orElseThrow(() -> notFound(type, id));
        if (stored.deleted()) {
            throw new ResourceGoneException(
                    "PT-FHIR-410: " + type + "/" + id + " was deleted in version " + stored.version());
        }
        return parse(stored);
    }

    /** A given version; 404 if it does not exist, 410 if that version is a deletion. */
    public IBaseResource vread(String type, String id, String version) {
        long number;
        try {
            number = Long.parseLong(version);
        } catch (NumberFormatException e) {
            throw notFound(type, id + "/_history/" + version);
        }
        StoredResource stored = reader.vread(current.context(), type, id, number)
                .orElseThrow(() -> notFound(type, id + "/_history/" + version));
        if (stored.deleted()) {
            throw new ResourceGoneException(
                    "PT-FHIR-410: version " + version + " of " + type + "/" + id + " is a deletion");
        }
        return parse(stored);
    }

    /** A search page with includes; only the count for {@code _summary=count} or {@code _count=0}. */
    public IBundleProvider search(String type, java.util.Map<String, String[]> parameters, boolean countOnly) {
        SearchRequest request = searchRequests.fromParameters(type, parameters);
        ReadContext context = current.context();
        openBreakGlass(context, type, parameters);
        if (countOnly || request.count() == 0) {
            return new PageBundleProvider(List.of(), request.offset(), request.count(), reader.count(context, request));
        }
        GatedResourceReader.Page result = reader.search(context, request);
        long total = result.total();
        List<StoredResource> page = result.resources();
        List<IBaseResource> resources = new ArrayList<>(page.size());
        for (StoredResource stored : page) {
            resources.add(withMode(parse(stored), BundleEntrySearchModeEnum.MATCH));
        }
        int budget = MAX_INCLUDES;
        for (StoredResource stored : reader.includes(context, page, request.includes(), budget)) {
            resources.add(withMode(parse(stored), BundleEntrySearchModeEnum.INCLUDE));
            budget--;
        }
        for (StoredResource stored : reader.revIncludes(context, page, request.revIncludes(), Math.max(budget, 0))) {
            resources.add(withMode(parse(stored), BundleEntrySearchModeEnum.INCLUDE));
        }
        return new PageBundleProvider(resources, request.offset(), request.count(), total);
    }

    /** A page of a history: instance (type and id), type (type only) or system (neither). */
    public IBundleProvider history(String type, String id, Date since, Integer count, Integer offset) {
        Instant from = since == null ? null : since.toInstant();
        ReadContext context = current.context();
        if (id != null && reader.read(current.context(), type, id).isEmpty()) {
            throw notFound(type, id);
        }
        int size = searchRequests.pageSize(count == null ? null : count.toString());
        int start = offset == null ? 0 : Math.max(offset, 0);
        long total = reader.historyCount(context, type, id, from);
        List<IBaseResource> resources = new ArrayList<>();
        for (StoredResource stored : reader.history(context, type, id, from, start, size)) {
            resources.add(historyEntry(stored));
        }
        return new PageBundleProvider(resources, start, size, total);
    }

    /** The most versions {@link #storedVersion}s of one resource a single integrity check walks. */
    static final int MAX_VERSIONS = 10_000;

    /**
     * One stored version as the store holds it (its JSON as written), read through the gate like a
     * vread: 404 if it does not exist; a deletion is returned, not refused.
     */
    public StoredResource storedVersion(String type, String id, long version) {
        return reader.vread(current.context(), type, id, version)
                .orElseThrow(() -> notFound(type, id + "/_history/" + version));
    }

    /** The current version as stored, read through the gate like a read: 404 if it never existed. */
    public StoredResource storedCurrent(String type, String id) {
        return reader.read(current.context(), type, id).orElseThrow(() -> notFound(type, id));
    }

    /** Every version of a resource as stored, oldest first, read through the gate like its history. */
    public List<StoredResource> storedVersions(String type, String id) {
        ReadContext context = current.context();
        if (reader.read(context, type, id).isEmpty()) {
            throw notFound(type, id);
        }
        List<StoredResource> versions = new ArrayList<>(reader.history(context, type, id, null, 0, MAX_VERSIONS));
        versions.sort(java.util.Comparator.comparingLong(StoredResource::version));
        return versions;
    }

    /** A page of everything in a patient's compartment. */
    public IBundleProvider everything(String patientId, Integer count, Integer offset) {
        return everything(patientId, List.of(), count, offset);
    }

    /** A page of a patient's compartment, of the given resource types only (all when empty). */
    public IBundleProvider everything(String patientId, List<String> types, Integer count, Integer offset) {
        read("Patient", patientId);
        int size = searchRequests.pageSize(count == null ? null : count.toString());
        int start = offset == null ? 0 : Math.max(offset, 0);
        long total = reader.compartmentCount(current.context(), patientId, types);
        List<IBaseResource> resources = new ArrayList<>();
        for (StoredResource stored : reader.compartment(current.context(), patientId, types, start, size)) {
            resources.add(withMode(parse(stored), BundleEntrySearchModeEnum.MATCH));
        }
        return new PageBundleProvider(resources, start, size, total);
    }

    /**
     * Given versions ({@code Type/id/_history/n}), parsed, in the order asked, read through the gate as
     * one audited call: 400 for a reference that is not of that form; 403 when any of them does not
     * exist or may not be read (nothing is returned then); 410 when one is a deletion.
     */
    public List<IBaseResource> versions(String interaction, List<String> references) {
        List<GatedResourceReader.VersionRef> refs = new ArrayList<>(references.size());
        for (String reference : references) {
            IdType id = new IdType(reference);
            long version;
            try {
                version = Long.parseLong(id.getVersionIdPart());
            } catch (NumberFormatException | NullPointerException e) {
                throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
                        "PT-FHIR-400-VERSION: " + reference + " is not a versioned reference Type/id/_history/n");
            }
            if (!id.hasResourceType() || !id.hasIdPart() || id.hasBaseUrl()) {
                throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
                        "PT-FHIR-400-VERSION: " + reference + " is not a versioned reference Type/id/_history/n");
            }
            refs.add(new GatedResourceReader.VersionRef(id.getResourceType(), id.getIdPart(), version));
        }
        List<IBaseResource> resources = new ArrayList<>(refs.size());
        for (StoredResource stored : reader.versions(current.context(), interaction, refs)) {
            if (stored.deleted()) {
                throw new ResourceGoneException("PT-FHIR-410: version " + stored.version() + " of " + stored.type()
                        + "/" + stored.id() + " is a deletion");
            }
            resources.add(parse(stored));
        }
        return resources;
    }

    /**
     * A break-glass search names its patient: reading that Patient through the gate first opens the
     * session (or refuses), so that the search's scope includes the patient.
     */
    private void openBreakGlass(ReadContext context, String type, java.util.Map<String, String[]> parameters) {
        if (context.purpose() != io.patienttwin.consent.Purpose.ETREAT || context.breakGlassReason() == null) {
            return;
        }
        for (String name : new String[] {"patient", "subject", "_id"}) {
            String[] values = parameters.get(name);
            if (values == null || values.length != 1 || ("_id".equals(name) && !"Patient".equals(type))) {
                continue;
            }
            String value = values[0];
            String id = value.startsWith("Patient/") ? value.substring("Patient/".length()) : value;
            if (!id.isEmpty() && !id.contains(",") && !id.contains("/")) {
                reader.read(context, "Patient", id);
            }
        }
    }

    IBaseResource parse(StoredResource stored) {
        return fhirContext.newJsonParser().parseResource(stored.json());
    }

    private IBaseResource historyEntry(StoredResource stored) {
        IBaseResource resource;
        if (stored.deleted()) {
            resource = fhirContext.getResourceDefinition(stored.type()).newInstance();
            resource.setId(new IdType(stored.type(), stored.id(), Long.toString(stored.version())));
            ResourceMetadataKeyEnum.DELETED_AT.put(resource, new InstantType(Date.from(stored.lastUpdated())));
        } else {
            resource = parse(stored);
        }
        ResourceMetadataKeyEnum.ENTRY_TRANSACTION_METHOD.put(
                resource, BundleEntryTransactionMethodEnum.valueOf(stored.method()));
        return resource;
    }

    private static IBaseResource withMode(IBaseResource resource, BundleEntrySearchModeEnum mode) {
        ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(resource, mode);
        return resource;
    }

    private static ResourceNotFoundException notFound(String type, String id) {
        return new ResourceNotFoundException("PT-FHIR-404: " + type + "/" + id + " is not known");
    }
}
