package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.util.FhirTerser;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.ResourceStore;
import io.patienttwin.fhir.store.WriteOutcome;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleEntryResponseComponent;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * Processes transaction and batch Bundles (POST /fhir). A transaction is atomic: every entry or none
 * (one database transaction; urn:uuid and conditional references resolved first; DELETE, POST, PUT,
 * then GET, as the specification orders them). A batch runs each entry in its own transaction and
 * reports failures per entry.
 */
@ApplicationScoped
public class BundleProcessor {

    private final ResourceStore store;
    private final GatedResourceReader reader;
    private final ResourceService writes;
    private final ReadService reads;
    private final SearchRequests searchRequests;
    private final FhirContext fhirContext;
    private final FhirConfig config;
    private final FhirErrorInterceptor errors;
    private final CurrentReader currentReader;

    public BundleProcessor(
            ResourceStore store,
            GatedResourceReader reader,
            ResourceService writes,
            ReadService reads,
            SearchRequests searchRequests,
            FhirContext fhirContext,
            FhirConfig config,
            FhirErrorInterceptor errors,
            CurrentReader currentReader) {
        this.store = store;
        this.reader = reader;
        this.writes = writes;
        this.reads = reads;
        this.searchRequests = searchRequests;
        this.fhirContext = fhirContext;
        this.config = config;
        this.errors = errors;
        this.currentReader = currentReader;
    }

    /**
     * Runs a transaction or batch Bundle.
     *
     * @param request the HTTP request; a batch entry's unexpected error is reported against it
     */
    public Bundle process(Bundle bundle, RequestDetails request) {
        if (bundle.getType() == BundleType.TRANSACTION) {
            int limit = (int) Math.min(
                    Integer.MAX_VALUE, Math.max(1, config.transactionTimeout().toSeconds()));
            long started = System.nanoTime();
            try {
                return QuarkusTransaction.requiringNew().timeout(limit).call(() -> transaction(bundle.getEntry(), 0));
            } catch (RuntimeException e) {
                if (e instanceof BaseServerResponseException
                        || System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(limit)) {
                    throw e;
                }
                // the transaction manager rolled it back at the limit: whatever failed after that (the
                // next statement, a transaction-scoped bean, the commit) failed because of it
                throw new ServiceUnavailableException("PT-FHIR-503-TIMEOUT: the transaction did not finish within "
                        + limit + " s (twin.fhir.transaction-timeout) and was"
                        + " rolled back; nothing of it was stored. Split the Bundle or retry when the server is"
                        + " less busy.");
            }
        }
        if (bundle.getType() == BundleType.BATCH) {
            return batch(bundle, request);
        }
        throw new InvalidRequestException(
                "PT-FHIR-400-BUNDLE: POST /fhir takes a Bundle of type transaction or batch, not "
                        + (bundle.getType() == null ? "none" : bundle.getType().toCode()));
    }

    /** One entry's parsed request; {@code index} is its position in the client's Bundle. */
    private record Entry(
            int index,
            BundleEntryComponent entry,
            HTTPVerb method,
            String type,
            String id,
            String version,
            String query) {}

    /**
     * Runs inside the caller's database transaction. {@code firstIndex} is the position of the first
     * of {@code bundleEntries} in the client's Bundle, so that messages name the entry the client sent.
     */
    private Bundle transaction(List<BundleEntryComponent> bundleEntries, int firstIndex) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < bundleEntries.size(); i++) {
            entries.add(parse(firstIndex + i, bundleEntries.get(i)));
        }
        requireDistinctTargets(entries);
        BundleEntryComponent[] responses = new BundleEntryComponent[entries.size()];
        for (Entry e : entries) {
            if (e.method() == HTTPVerb.DELETE) {
                String id =
                        e.id() != null ? e.id() : conditionalMatch(e, e.query()).orElse(null);
                if (id == null) {
                    responses[e.index() - firstIndex] = notFound();
                    continue;
                }
                writes.beforeDelete(e.type(), id);
                responses[e.index() - firstIndex] =
                        writeResponse(store.delete(e.type(), id, ifMatch(e)), HTTPVerb.DELETE);
                store.flushIfAtLeast(config.writeChunkSize());
            }
        }
        // A conditional update writes the one match the writer may see, else creates.
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.method() == HTTPVerb.PUT && e.id() == null) {
                String bodyId = e.entry().getResource().getIdElement().getIdPart();
                boolean ownId = bodyId != null && !bodyId.startsWith("urn:");
                java.util.Optional<String> match = conditionalMatch(e, e.query());
                if (match.isPresent() && ownId && !bodyId.equals(match.get())) {
                    throw new InvalidRequestException("PT-FHIR-400-ID: entry " + e.index() + ": resource id '" + bodyId
                            + "' does not match the resource the criteria select");
                }
                String id = match.orElse(ownId ? bodyId : ResourceStore.newId());
                entries.set(i, new Entry(e.index(), e.entry(), e.method(), e.type(), id, null, e.query()));
            }
        }
        requireDistinctTargets(entries);
        // Conditional creates and conditional references search the store as the deletes left it.
        store.flushIfAtLeast(1);
        Map<String, String> resolved = new HashMap<>();
        Map<Integer, String> assignedIds = new HashMap<>();
        Map<Integer, WriteOutcome> existing = new HashMap<>();
        Map<String, String> earlierCriteria = new HashMap<>();
        for (Entry e : entries) {
            if (e.method() == HTTPVerb.POST) {
                String ifNoneExist = e.entry().getRequest().getIfNoneExist();
                String criteria = ifNoneExist == null || ifNoneExist.isBlank()
                        ? null
                        : e.type() + "?" + ifNoneExist.substring(ifNoneExist.indexOf('?') + 1);
                // Two entries with the same criteria are one resource, as if the first had been stored already.
                String id = criteria == null ? null : earlierCriteria.get(criteria);
                if (id == null && criteria != null) {
                    id = singleMatch(e, ifNoneExist);
                }
                if (id != null) {
                    existing.put(e.index(), new WriteOutcome(e.type(), id, 0, null, false, false, null));
                } else {
                    id = ResourceStore.newId();
                    assignedIds.put(e.index(), id);
                }
                if (criteria != null) {
                    earlierCriteria.putIfAbsent(criteria, id);
                }
                remember(resolved, e.entry().getFullUrl(), e.type() + "/" + id);
            } else if (e.method() == HTTPVerb.PUT) {
                remember(resolved, e.entry().getFullUrl(), e.type() + "/" + e.id());
            }
        }
        for (Entry e : entries) {
            boolean written =
                    (e.method() == HTTPVerb.POST && !existing.containsKey(e.index())) || e.method() == HTTPVerb.PUT;
            if (written && e.entry().getResource() instanceof Patient patient) {
                store.expectPatient(e.method() == HTTPVerb.POST ? assignedIds.get(e.index()) : e.id(), patient);
            }
        }
        Map<String, String> conditionalTargets = new HashMap<>();
        for (Entry e : entries) {
            if ((e.method() == HTTPVerb.POST && !existing.containsKey(e.index())) || e.method() == HTTPVerb.PUT) {
                rewriteReferences(e, resolved, conditionalTargets);
            }
        }
        for (HTTPVerb phase : new HTTPVerb[] {HTTPVerb.POST, HTTPVerb.PUT}) {
            for (Entry e : entries) {
                if (e.method() != phase) {
                    continue;
                }
                WriteOutcome outcome;
                if (phase == HTTPVerb.POST) {
                    outcome = existing.containsKey(e.index())
                            ? existing.get(e.index())
                            : createValidated(e, assignedIds.get(e.index()));
                } else {
                    writes.prepare(e.entry().getResource(), e.id());
                    outcome = store.update(e.type(), e.id(), e.entry().getResource(), ifMatch(e));
                }
                responses[e.index() - firstIndex] = writeResponse(outcome, phase);
                store.flushIfAtLeast(config.writeChunkSize());
            }
        }
        store.flushIfAtLeast(1);
        for (Entry e : entries) {
            if (e.method() == HTTPVerb.GET) {
                responses[e.index() - firstIndex] = readResponse(e);
            }
        }
        return response(BundleType.TRANSACTIONRESPONSE, responses);
    }

    /** The id of the one resource matching a conditional create, null if none; several are a 412. */
    private String singleMatch(Entry e, String ifNoneExist) {
        return conditionalMatch(e, ifNoneExist).orElse(null);
    }

    /**
     * The one resource matching an entry's conditional criteria among those the writer may read, empty
     * for none; several are a 412.
     */
    private java.util.Optional<String> conditionalMatch(Entry e, String criteria) {
        List<String> matches = reader.matchingIds(
                CurrentReader.contextOf(currentReader), searchRequests.fromConditionalUrl(e.type(), criteria), 2);
        if (matches.size() > 1) {
            throw new PreconditionFailedException("PT-FHIR-412-CONDITIONAL: entry " + e.index() + ": " + criteria
                    + " matches more than one " + e.type());
        }
        return matches.stream().findFirst();
    }

    /** A transaction must not write one resource twice (R4 http.html#trules). */
    private static void requireDistinctTargets(List<Entry> entries) {
        Map<String, Integer> writers = new HashMap<>();
        for (Entry e : entries) {
            if ((e.method() == HTTPVerb.PUT || e.method() == HTTPVerb.DELETE) && e.id() != null) {
                Integer other = writers.putIfAbsent(e.type() + "/" + e.id(), e.index());
                if (other != null) {
                    throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entries " + other + " and " + e.index()
                            + " both write " + e.type() + "/" + e.id());
                }
            }
        }
    }

    private WriteOutcome createValidated(Entry e, String id) {
        writes.prepare(e.entry().getResource(), id, true);
        return store.create(e.entry().getResource(), id);
    }

    private Bundle batch(Bundle bundle, RequestDetails request) {
        BundleEntryComponent[] responses =
                new BundleEntryComponent[bundle.getEntry().size()];
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            int index = i;
            List<BundleEntryComponent> single = List.of(bundle.getEntry().get(i));
            try {
                responses[i] = QuarkusTransaction.requiringNew()
                        .call(() -> transaction(single, index).getEntryFirstRep());
            } catch (RuntimeException e) {
                // Whatever one entry's failure, it is that entry's answer: the others have committed.
                responses[i] = failure(errors.translate(request, e));
            }
        }
        return response(BundleType.BATCHRESPONSE, responses);
    }

    private Entry parse(int index, BundleEntryComponent entry) {
        if (!entry.hasRequest() || !entry.getRequest().hasMethod()) {
            throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + " has no request.method");
        }
        HTTPVerb method = entry.getRequest().getMethod();
        String url = entry.getRequest().getUrl();
        if (method == HTTPVerb.POST) {
            if (!entry.hasResource()) {
                throw new InvalidRequestException("PT-FHIR-400-BUNDLE: POST entry " + index + " has no resource");
            }
            String type = fhirContext.getResourceType(entry.getResource());
            if (url != null
                    && !url.isBlank()
                    && !stripBase(url).split("[/?]")[0].equals(type)) {
                throw new InvalidRequestException("PT-FHIR-400-BUNDLE: POST entry " + index + ": request.url '" + url
                        + "' does not name the resource's type " + type);
            }
            return new Entry(index, entry, method, type, null, null, null);
        }
        if (url == null || url.isBlank()) {
            throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + " has no request.url");
        }
        String path = stripBase(url);
        int question = path.indexOf('?');
        String query = question >= 0 ? path.substring(question + 1) : null;
        String[] segments = (question >= 0 ? path.substring(0, question) : path).split("/");
        String type = segments[0];
        if (!fhirContext.getResourceTypes().contains(type)) {
            throw new InvalidRequestException(
                    "PT-FHIR-400-BUNDLE: entry " + index + ": unknown resource type '" + type + "'");
        }
        String id = segments.length > 1 ? segments[1] : null;
        boolean versioned = segments.length == 4 && segments[2].equals("_history");
        if (segments.length > 2 && !(versioned && (method == HTTPVerb.GET || method == HTTPVerb.HEAD))) {
            throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + ": " + method.toCode() + " " + url
                    + " is not supported in a Bundle");
        }
        switch (method) {
            case PUT -> {
                if (id == null && query == null) {
                    throw new InvalidRequestException(
                            "PT-FHIR-400-BUNDLE: entry " + index + ": PUT needs Type/id or Type?criteria");
                }
                if (id != null && query != null) {
                    throw new InvalidRequestException(
                            "PT-FHIR-400-BUNDLE: entry " + index + ": PUT " + url + " names both an id and criteria");
                }
                if (!entry.hasResource()
                        || !fhirContext.getResourceType(entry.getResource()).equals(type)) {
                    throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + ": PUT needs a " + type);
                }
                // A urn:uuid fullUrl becomes the parsed resource's id; it names the entry, not the resource.
                String bodyId = entry.getResource().getIdElement().getIdPart();
                if (bodyId != null && !bodyId.startsWith("urn:") && !bodyId.equals(id)) {
                    throw new InvalidRequestException("PT-FHIR-400-ID: entry " + index + ": resource id '" + bodyId
                            + "' does not match '" + id + "'");
                }
            }
            case DELETE -> {
                if (id == null && query == null) {
                    throw new InvalidRequestException(
                            "PT-FHIR-400-BUNDLE: entry " + index + ": DELETE needs Type/id or Type?criteria");
                }
                if (id != null && query != null) {
                    throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + ": DELETE " + url
                            + " names both an id and criteria");
                }
                requireNoBody(index, method, entry);
            }
            case GET, HEAD -> requireNoBody(index, method, entry);
            default -> throw new InvalidRequestException(
                    "PT-FHIR-400-BUNDLE: entry " + index + ": method " + method.toCode() + " is not supported");
        }
        return new Entry(
                index,
                entry,
                method == HTTPVerb.HEAD ? HTTPVerb.GET : method,
                type,
                id,
                versioned ? segments[3] : null,
                query);
    }

    /**
     * A DELETE or GET entry carries no resource: one that does is refused rather than guessed at (its
     * body could name another type than its URL, and a check on the body would decide the wrong thing).
     */
    private static void requireNoBody(int index, HTTPVerb method, BundleEntryComponent entry) {
        if (entry.hasResource()) {
            throw new InvalidRequestException("PT-FHIR-400-BUNDLE: entry " + index + ": a " + method.toCode()
                    + " entry must not carry a resource");
        }
    }

    private static BundleEntryComponent notFound() {
        BundleEntryComponent entry = new BundleEntryComponent();
        entry.getResponse().setStatus("404 Not Found");
        return entry;
    }

    private void rewriteReferences(Entry e, Map<String, String> resolved, Map<String, String> conditionalTargets) {
        FhirTerser terser = fhirContext.newTerser();
        for (IBaseReference reference :
                terser.getAllPopulatedChildElementsOfType(e.entry().getResource(), IBaseReference.class)) {
            String value = reference.getReferenceElement().getValue();
            if (value == null || value.startsWith("#")) {
                continue;
            }
            String target = resolved.get(value);
            if (target == null && value.contains("?")) {
                target = conditionalTargets.computeIfAbsent(value, v -> resolveConditionalReference(e, v));
            } else if (target == null && value.startsWith("urn:uuid:")) {
                throw new InvalidRequestException("PT-FHIR-400-REFERENCE: entry " + e.index() + ": reference " + value
                        + " matches no entry's fullUrl");
            }
            if (target != null) {
                reference.setReference(target);
            }
        }
    }

    private String resolveConditionalReference(Entry e, String url) {
        String type = url.substring(0, url.indexOf('?'));
        if (!fhirContext.getResourceTypes().contains(type)) {
            throw new InvalidRequestException("PT-FHIR-400-REFERENCE: entry " + e.index() + ": conditional reference "
                    + url + " names no resource type");
        }
        // Gated like a search: a match the writer may not read is no match, so the answer is the same
        // whether hidden resources match or not.
        List<String> matches = reader.matchingIds(
                CurrentReader.contextOf(currentReader), searchRequests.fromConditionalUrl(type, url), 2);
        if (matches.size() != 1) {
            throw new PreconditionFailedException(
                    "PT-FHIR-412-REFERENCE: entry " + e.index() + ": conditional reference " + url + " matches "
                            + (matches.isEmpty() ? "no" : "more than one") + " resource");
        }
        return type + "/" + matches.get(0);
    }

    private BundleEntryComponent readResponse(Entry e) {
        BundleEntryComponent response = new BundleEntryComponent();
        if (e.id() != null && e.query() == null) {
            IBaseResource resource =
                    e.version() != null ? reads.vread(e.type(), e.id(), e.version()) : reads.read(e.type(), e.id());
            response.setResource((Resource) resource);
            response.getResponse()
                    .setStatus("200 OK")
                    .setEtag("W/\"" + resource.getIdElement().getVersionIdPart() + "\"");
            return response;
        }
        IBundleProvider page = reads.search(e.type(), SearchRequests.parseQuery(e.query()), false);
        Bundle searchset = new Bundle().setType(BundleType.SEARCHSET).setTotal(page.size());
        page.getResources(0, Integer.MAX_VALUE)
                .forEach(r -> searchset.addEntry().setResource((Resource) r));
        response.setResource(searchset);
        response.getResponse().setStatus("200 OK");
        return response;
    }

    private static BundleEntryComponent writeResponse(WriteOutcome outcome, HTTPVerb method) {
        BundleEntryComponent entry = new BundleEntryComponent();
        BundleEntryResponseComponent response = entry.getResponse();
        if (method == HTTPVerb.DELETE) {
            response.setStatus(outcome.changed() ? "204 No Content" : "404 Not Found");
            return entry;
        }
        if (!outcome.changed()) {
            response.setStatus("200 OK").setLocation(outcome.type() + "/" + outcome.id());
            return entry;
        }
        String versioned = new IdType(outcome.type(), outcome.id(), Long.toString(outcome.version())).getValue();
        response.setStatus(outcome.created() ? "201 Created" : "200 OK")
                .setLocation(versioned)
                .setEtag("W/\"" + outcome.version() + "\"")
                .setLastModified(Date.from(outcome.lastUpdated()));
        return entry;
    }

    private static BundleEntryComponent failure(BaseServerResponseException e) {
        BundleEntryComponent entry = new BundleEntryComponent();
        OperationOutcome outcome = e.getOperationOutcome() instanceof OperationOutcome oo
                ? oo
                : OperationOutcomes.single(
                        OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.PROCESSING, e.getMessage());
        String reason = Constants.HTTP_STATUS_NAMES.get(e.getStatusCode());
        entry.getResponse()
                .setStatus(e.getStatusCode() + (reason == null ? "" : " " + reason))
                .setOutcome(outcome);
        return entry;
    }

    private static Bundle response(BundleType type, BundleEntryComponent[] entries) {
        Bundle bundle = new Bundle().setType(type);
        for (BundleEntryComponent entry : entries) {
            bundle.addEntry(entry);
        }
        return bundle;
    }

    private static Long ifMatch(Entry e) {
        String ifMatch = e.entry().getRequest().getIfMatch();
        if (ifMatch == null || ifMatch.isBlank()) {
            return null;
        }
        String value = ifMatch.replace("W/", "").replace("\"", "").trim();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException ex) {
            throw new PreconditionFailedException(
                    "PT-FHIR-412: entry " + e.index() + ": If-Match '" + ifMatch + "' is not a version");
        }
    }

    private static void remember(Map<String, String> resolved, String fullUrl, String target) {
        if (fullUrl != null && !fullUrl.isBlank()) {
            resolved.put(fullUrl, target);
        }
    }

    /** A Bundle entry's request URL relative to the server base ({@code Type/id}, {@code Type?query}). */
    static String stripBase(String url) {
        if (url.startsWith("http://") || url.startsWith("https://")) {
            int fhir = url.indexOf("/fhir/");
            return fhir >= 0 ? url.substring(fhir + 6) : url.substring(url.indexOf('/', url.indexOf("//") + 2) + 1);
        }
        return url.startsWith("/") ? url.substring(1) : url;
    }
}
