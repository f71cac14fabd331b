package io.patienttwin.fhir;

import static io.restassured.RestAssured.given;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.identity.Tokens;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Shared helpers for HTTP tests of /fhir: JSON encoding with HAPI, a unique tag per test so that each
 * test searches only its own data, and request shortcuts.
 */
public final class FhirTestSupport {

    public static final FhirContext FHIR = FhirContext.forR4Cached();
    public static final String FHIR_JSON = "application/fhir+json; charset=UTF-8";
    public static final String TAG_SYSTEM = "urn:patienttwin:test";

    private FhirTestSupport() {}

    /** A fresh tag code; put it on a test's resources and add {@link #tagParam(String)} to its searches. */
    public static String newTag() {
        return UUID.randomUUID().toString();
    }

    public static String tagParam(String tag) {
        return TAG_SYSTEM + "|" + tag;
    }

    /** Adds the test tag to a resource's meta and returns it. */
    public static <T extends Resource> T tagged(T resource, String tag) {
        resource.getMeta().addTag(TAG_SYSTEM, tag, null);
        return resource;
    }

    /**
     * The resource as JSON; a Patient (also in a Bundle) without a managing organization is first given
     * the {@link TestCustodian}'s, so that the EHR system of the tests may read it back.
     */
    public static String json(IBaseResource resource) {
        TestCustodian.manage(resource);
        return FHIR.newJsonParser().encodeResourceToString(resource);
    }

    @SuppressWarnings("unchecked")
    public static <T extends IBaseResource> T parse(String json, Class<T> type) {
        return type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())
                ? (T) FHIR.newJsonParser().parseResource(json)
                : FHIR.newJsonParser().parseResource(type, json);
    }

    /** A request as the EHR system (client credentials, {@code system/*.cruds}). */
    public static RequestSpecification authorized() {
        TestCustodian.ensure();
        return given().auth().oauth2(Tokens.ehrSystem());
    }

    /**
     * A request as the compliance officer carol ({@code user/Consent.rs}, {@code user/AuditEvent.rs}):
     * governance records are hers to read, not the EHR system's.
     */
    public static RequestSpecification compliance() {
        return given().auth().oauth2(Tokens.carol()).accept(FHIR_JSON);
    }

    public static RequestSpecification fhir() {
        return authorized().accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    /**
     * Creates Patient/{id} (managed by the test custodian) unless it exists, for resources that reference
     * it: clinical data and consents must name a patient of this server. An existing patient is left as
     * it is.
     */
    public static void ensurePatient(String id) {
        boolean exists = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
                .call(() -> io.quarkus.arc.Arc.container()
                        .instance(io.patienttwin.fhir.store.GatedResourceReader.class)
                        .get()
                        .exists("Patient", id));
        if (exists) {
            return;
        }
        org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
        patient.setId(id);
        fhir().body(json(patient)).put("/fhir/Patient/" + id).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    /** The id of the patient that tests' clinical data belongs to when the test is not about whose it is. */
    public static final String SUBJECT = "test-subject";

    /**
     * A reference to Patient/{@value #SUBJECT} (managed by the test custodian), created unless it exists:
     * clinical data must name a patient of this server (the store refuses it otherwise).
     */
    public static org.hl7.fhir.r4.model.Reference subject() {
        ensurePatient(SUBJECT);
        return new org.hl7.fhir.r4.model.Reference("Patient/" + SUBJECT);
    }

    /** POSTs a resource and returns its server-assigned logical id (asserting 201). */
    public static String create(Resource resource) {
        Response response = fhir().body(json(resource)).post("/fhir/" + resource.fhirType());
        response.then().statusCode(201);
        return parse(response.asString(), Resource.class).getIdElement().getIdPart();
    }

    /** Runs a search (path with query, e.g. {@code Patient?name=x}) and returns the Bundle (asserting 200). */
    public static Bundle search(String pathAndQuery) {
        Response response = fhir().get("/fhir/" + pathAndQuery);
        response.then().statusCode(200);
        return parse(response.asString(), Bundle.class);
    }

    /**
     * Sends a search with query parameters that RestAssured encodes (so {@code |}, {@code :} and {@code +}
     * are safe); each name maps to its repetitions, which the server ANDs. Returns the raw response.
     */
    public static Response searchResponse(String type, Map<String, List<String>> parameters) {
        RequestSpecification request = fhir();
        parameters.forEach((name, values) -> values.forEach(value -> request.queryParam(name, value)));
        return request.get("/fhir/" + type);
    }

    /** Like {@link #searchResponse(String, Map)}, asserting 200 and returning the Bundle. */
    public static Bundle search(String type, Map<String, List<String>> parameters) {
        Response response = searchResponse(type, parameters);
        response.then().statusCode(200);
        return parse(response.asString(), Bundle.class);
    }

    /** The logical ids of the bundle's entries with search mode match, in order. */
    public static List<String> matchIds(Bundle bundle) {
        return bundle.getEntry().stream()
                .filter(e -> !e.hasSearch() || e.getSearch().getMode() == Bundle.SearchEntryMode.MATCH)
                .map(e -> e.getResource().getIdElement().getIdPart())
                .toList();
    }
}
