package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.FHIR;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.patienttwin.identity.Tokens;
import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/** The instance and type interactions of /fhir over HTTP: CRUD, versions, history, formats and errors. */
@QuarkusTest
class FhirInteractionsTest {

    private static Patient patient(String family) {
        Patient patient = new Patient();
        patient.addName(new HumanName().setFamily(family).addGiven("Ann"));
        patient.setGender(AdministrativeGender.FEMALE);
        return patient;
    }

    @Test
    void createAssignsIdVersionOneAndLocation() {
        Response response = fhir().body(json(patient("Create"))).post("/fhir/Patient");
        response.then()
                .statusCode(201)
                .header("Location", containsString("/fhir/Patient/"))
                .header("Location", containsString("/_history/1"))
                .header("ETag", equalTo("W/\"1\""))
                .header("Last-Modified", notNullValue());
        Patient created = parse(response.asString(), Patient.class);
        assertThat(created.getIdElement().getIdPart()).isNotBlank();
        assertThat(created.getMeta().getVersionId()).isEqualTo("1");
        assertThat(created.getMeta().getLastUpdated()).isNotNull();
    }

    @Test
    void readReturnsTheStoredResourceWithEtag() {
        String id = create(patient("Read"));
        Response response = fhir().get("/fhir/Patient/" + id);
        response.then().statusCode(200).header("ETag", equalTo("W/\"1\"")).header("Last-Modified", notNullValue());
        assertThat(parse(response.asString(), Patient.class).getNameFirstRep().getFamily())
                .isEqualTo("Read");
    }

    @Test
    void updateCreatesANewVersionAndVreadReturnsEachVersion() {
        String id = create(patient("Before"));
        Patient changed = patient("After");
        changed.setId(id);
        fhir().body(json(changed))
                .put("/fhir/Patient/" + id)
                .then()
                .statusCode(200)
                .header("ETag", equalTo("W/\"2\""));

        assertThat(parse(fhir().get("/fhir/Patient/" + id).asString(), Patient.class)
                        .getNameFirstRep()
                        .getFamily())
                .isEqualTo("After");
        Response v1 = fhir().get("/fhir/Patient/" + id + "/_history/1");
        v1.then().statusCode(200);
        assertThat(parse(v1.asString(), Patient.class).getNameFirstRep().getFamily())
                .isEqualTo("Before");
        fhir().get("/fhir/Patient/" + id + "/_history/3").then().statusCode(404);
    }

    @Test
    void updateWithAClientIdCreatesTheResource() {
        String id = "client-" + UUID.randomUUID();
        Patient patient = patient("ClientId");
        patient.setId(id);
        fhir().body(json(patient)).put("/fhir/Patient/" + id).then().statusCode(201);
        fhir().get("/fhir/Patient/" + id).then().statusCode(200);
    }

    @Test
    void updateWithStaleIfMatchIsRefusedWith412AndCurrentIfMatchSucceeds() {
        String id = create(patient("IfMatch"));
        Patient changed = patient("IfMatch2");
        changed.setId(id);
        fhir().header("If-Match", "W/\"7\"")
                .body(json(changed))
                .put("/fhir/Patient/" + id)
                .then()
                .statusCode(412)
                .body(containsString("PT-STORE-412"));
        fhir().header("If-Match", "W/\"1\"")
                .body(json(changed))
                .put("/fhir/Patient/" + id)
                .then()
                .statusCode(200);
        assertThat(parse(fhir().get("/fhir/Patient/" + id).asString(), Patient.class)
                        .getMeta()
                        .getVersionId())
                .isEqualTo("2");
    }

    @Test
    void updateWhoseBodyIdDiffersFromTheUrlIsRefusedWith400() {
        String id = create(patient("Mismatch"));
        Patient other = patient("Mismatch");
        other.setId("someone-else");
        fhir().body(json(other)).put("/fhir/Patient/" + id).then().statusCode(400);
    }

    @Test
    void deletedResourceReadsAs410AndKeepsItsHistory() {
        String id = create(patient("Delete"));
        fhir().delete("/fhir/Patient/" + id).then().statusCode(200).body(containsString("PT-FHIR-200-DELETED"));
        fhir().get("/fhir/Patient/" + id).then().statusCode(410).body(containsString("PT-FHIR-410"));
        fhir().get("/fhir/Patient/" + id + "/_history/2").then().statusCode(410);
        fhir().get("/fhir/Patient/" + id + "/_history/1").then().statusCode(200);

        Bundle history = parse(fhir().get("/fhir/Patient/" + id + "/_history").asString(), Bundle.class);
        assertThat(history.getType()).isEqualTo(Bundle.BundleType.HISTORY);
        assertThat(history.getTotal()).isEqualTo(2);
        assertThat(history.getEntry().get(0).getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.DELETE);
        assertThat(history.getEntry().get(0).hasResource()).isFalse();
        assertThat(history.getEntry().get(1).getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
    }

    @Test
    void deletedResourceCanBeRecreatedByUpdate() {
        String id = create(patient("Recreate"));
        fhir().delete("/fhir/Patient/" + id).then().statusCode(200);
        Patient again = patient("Recreate");
        again.setId(id);
        fhir().body(json(again))
                .put("/fhir/Patient/" + id)
                .then()
                .statusCode(201)
                .header("ETag", equalTo("W/\"3\""));
        fhir().get("/fhir/Patient/" + id).then().statusCode(200);
    }

    @Test
    void deleteOfAMissingResourceChangesNothingAndTellsNothingOfAPatientsRecord() {
        fhir().delete("/fhir/Organization/never-" + UUID.randomUUID())
                .then()
                .statusCode(200)
                .body(containsString("PT-FHIR-200-NOTHING-DELETED"));
        // a type that can belong to a patient answers as a forbidden delete does: existence is not disclosed
        fhir().delete("/fhir/Patient/never-" + UUID.randomUUID())
                .then()
                .statusCode(403)
                .body(containsString("PT-POLICY-403"));
    }

    @Test
    void missingResourceIs404AndUnknownTypeIs400WithOperationOutcome() {
        fhir().get("/fhir/Organization/missing-" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"))
                .body(containsString("PT-FHIR-404"));
        // a type that can belong to a patient answers as a forbidden read does: existence is not disclosed
        fhir().get("/fhir/Patient/missing-" + UUID.randomUUID())
                .then()
                .statusCode(403)
                .body("resourceType", equalTo("OperationOutcome"))
                .body(containsString("PT-POLICY-403"));
        fhir().get("/fhir/Unicorn/1")
                .then()
                .statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body(containsString("PT-FHIR-400-TYPE"));
    }

    @Test
    void malformedBodyIs400AndNothingIsStored() {
        String tag = FhirTestSupport.newTag();
        fhir().body("{\"resourceType\":\"Patient\",\"gender\":")
                .post("/fhir/Patient")
                .then()
                .statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        fhir().body("{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"system\":\"" + FhirTestSupport.TAG_SYSTEM
                        + "\",\"code\":\"" + tag + "\"}]},\"birthDate\":\"not-a-date\"}")
                .post("/fhir/Patient")
                .then()
                .statusCode(400);
        assertThat(FhirTestSupport.search("Patient?_tag=" + FhirTestSupport.tagParam(tag))
                        .getTotal())
                .isZero();
    }

    @Test
    void bodyOfAnotherTypeIsRefusedWith400() {
        fhir().body("{\"resourceType\":\"Observation\",\"status\":\"final\"}")
                .post("/fhir/Patient")
                .then()
                .statusCode(400);
    }

    @Test
    void instanceAndTypeHistoryListVersionsNewestFirst() {
        String id = create(patient("History1"));
        Patient v2 = patient("History2");
        v2.setId(id);
        fhir().body(json(v2)).put("/fhir/Patient/" + id).then().statusCode(200);

        Bundle instance = parse(fhir().get("/fhir/Patient/" + id + "/_history").asString(), Bundle.class);
        assertThat(instance.getEntry())
                .extracting(e -> e.getResource().getMeta().getVersionId())
                .containsExactly("2", "1");
        assertThat(instance.getEntry().get(0).getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.PUT);

        Bundle type = parse(fhir().get("/fhir/Patient/_history?_count=500").asString(), Bundle.class);
        // Other tests' deletions appear in the type history too, as entries without a resource.
        assertThat(type.getEntry().stream().filter(Bundle.BundleEntryComponent::hasResource))
                .extracting(e -> e.getResource().getIdElement().getIdPart() + "/"
                        + e.getResource().getMeta().getVersionId())
                .contains(id + "/2", id + "/1");
        fhir().get("/fhir/Organization/missing-" + UUID.randomUUID() + "/_history")
                .then()
                .statusCode(404);
        fhir().get("/fhir/Patient/missing-" + UUID.randomUUID() + "/_history")
                .then()
                .statusCode(403);
    }

    @Test
    void historySinceExcludesOlderVersions() throws InterruptedException {
        String id = create(patient("Since"));
        Thread.sleep(20);
        String since = new org.hl7.fhir.r4.model.InstantType(new java.util.Date()).getValueAsString();
        Thread.sleep(20);
        Patient v2 = patient("Since2");
        v2.setId(id);
        fhir().body(json(v2)).put("/fhir/Patient/" + id).then().statusCode(200);
        Bundle history = parse(
                fhir().queryParam("_since", since)
                        .get("/fhir/Patient/" + id + "/_history")
                        .asString(),
                Bundle.class);
        assertThat(history.getEntry())
                .extracting(e -> e.getResource().getMeta().getVersionId())
                .containsExactly("2");
    }

    @Test
    void xmlFormatAndPrettyPrintingAreServed() {
        String id = create(patient("Xml"));
        fhir().accept("application/fhir+xml")
                .get("/fhir/Patient/" + id)
                .then()
                .statusCode(200)
                .contentType(containsString("application/fhir+xml"))
                .body(containsString("<Patient xmlns=\"http://hl7.org/fhir\">"));
        fhir().queryParam("_format", "xml")
                .get("/fhir/Patient/" + id)
                .then()
                .statusCode(200)
                .contentType(containsString("xml"));
        String pretty =
                fhir().queryParam("_pretty", "true").get("/fhir/Patient/" + id).asString();
        assertThat(pretty).contains("\n  ");
        Patient xmlCreated = new Patient();
        xmlCreated.addName().setFamily("PostedAsXml");
        xmlCreated.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
        FhirTestSupport.authorized()
                .contentType("application/fhir+xml; charset=UTF-8")
                .body(FHIR.newXmlParser().encodeResourceToString(xmlCreated))
                .post("/fhir/Patient")
                .then()
                .statusCode(201);
    }

    @Test
    void responsesAreGzippedWhenTheClientAsks() {
        String id = create(patient("Gzip"));
        Response response = fhir().header("Accept-Encoding", "gzip").get("/fhir/Patient/" + id);
        response.then().statusCode(200).header("Content-Encoding", "gzip");
        assertThat(response.asString()).contains("Gzip");
    }

    @Test
    void conditionalCreateReturnsTheExistingMatchInsteadOfADuplicate() {
        String system = "urn:test:mrn:" + UUID.randomUUID();
        Patient first = patient("Conditional");
        first.addIdentifier().setSystem(system).setValue("42");
        String id = create(first);
        Response again = fhir().header("If-None-Exist", "identifier=" + system + "|42")
                .body(json(first))
                .post("/fhir/Patient");
        again.then().statusCode(200);
        assertThat(parse(again.asString(), Patient.class).getIdElement().getIdPart())
                .isEqualTo(id);
        assertThat(FhirTestSupport.search("Patient?identifier=" + system + "|42")
                        .getTotal())
                .isEqualTo(1);

        Patient twin = patient("Conditional");
        twin.addIdentifier().setSystem(system).setValue("42");
        fhir().body(json(twin)).post("/fhir/Patient").then().statusCode(201);
        fhir().header("If-None-Exist", "identifier=" + system + "|42")
                .body(json(first))
                .post("/fhir/Patient")
                .then()
                .statusCode(412);
    }

    @Test
    void everyR4ResourceTypeCanBeCreatedAndReadBack() {
        List<String> failures = new ArrayList<>();
        for (String type : new TreeSet<>(FHIR.getResourceTypes())) {
            if (type.equals("AuditEvent")) {
                // AuditEvent is the server's access audit, read-only (405 on writes, GateBehaviourTest)
                continue;
            }
            if (type.equals("OperationDefinition")) {
                // GET OperationDefinition/{id} serves the server's own operation definitions (HAPI's
                // capability provider); stored ones are reached by search. Documented in docs/architecture.md.
                continue;
            }
            IBaseResource resource = type.equals("Consent")
                    // an empty Consent is one PatientTwin cannot enforce: 422 (ConsentWriteTest)
                    ? io.patienttwin.consent.ConsentFixture.forPatient(
                            FhirTestSupport.subject().getReference())
                    : FHIR.getResourceDefinition(type).newInstance();
            ((Resource) resource).setIdElement(null);
            if (Arc.container()
                            .instance(io.patienttwin.fhir.store.SearchParameterRegistry.class)
                            .get()
                            .inPatientCompartment(type)
                    && !type.equals("Patient")
                    && !type.equals("Consent")) {
                // part of a patient's record: without its patient it is refused, never stored as nobody's
                Response orphan = fhir().body(json(resource)).post("/fhir/" + type);
                if (orphan.statusCode() != 422 || !orphan.asString().contains("PT-FHIR-422-COMPARTMENT")) {
                    failures.add(type + " without a patient " + orphan.statusCode());
                }
                if (!linkToPatient(resource, type)) {
                    failures.add(type + ": no patient link could be set");
                    continue;
                }
            }
            Response created = fhir().body(json(resource)).post("/fhir/" + type);
            if (created.statusCode() != 201) {
                failures.add(type + " create " + created.statusCode());
                continue;
            }
            String id = parse(created.asString(), Resource.class).getIdElement().getIdPart();
            // Consent is a governance record: compliance officers read it, EHR systems do not
            boolean governance = type.equals("Consent");
            int read = (governance ? given().auth().oauth2(Tokens.carol()).accept(FhirTestSupport.FHIR_JSON) : fhir())
                    .get("/fhir/" + type + "/" + id)
                    .statusCode();
            if (read != 200) {
                failures.add(type + " read " + read);
            }
        }
        assertThat(FHIR.getResourceTypes()).hasSizeGreaterThan(140);
        assertThat(failures).isEmpty();
    }

    /**
     * Sets the first patient link of a type's compartment parameters (e.g. {@code Observation.subject})
     * to the test subject; false when none of their paths is a plain element path.
     */
    private static boolean linkToPatient(IBaseResource resource, String type) {
        ca.uhn.fhir.util.FhirTerser terser = FHIR.newTerser();
        for (String name : Arc.container()
                .instance(io.patienttwin.fhir.store.SearchParameterRegistry.class)
                .get()
                .compartmentParams(type)) {
            for (String path :
                    FHIR.getResourceDefinition(type).getSearchParam(name).getPathsSplitForResourceType(type)) {
                String element =
                        path.replaceAll("\\.where\\(.*$", "").replace("(", "").replace(")", "");
                if (!element.startsWith(type + ".") || element.contains(" ")) {
                    continue;
                }
                try {
                    Object added = terser.addElement(resource, element);
                    if (added instanceof Reference reference) {
                        reference.setReference(FhirTestSupport.subject().getReference());
                        return true;
                    }
                } catch (RuntimeException notAnElementPath) {
                    // try the next parameter
                }
            }
        }
        return false;
    }

    @Test
    void capabilityStatementListsEveryTypeWithItsInteractionsAndSearchParameters() {
        String body =
                fhir().get("/fhir/metadata").then().statusCode(200).extract().asString();
        org.hl7.fhir.r4.model.CapabilityStatement cs = parse(body, org.hl7.fhir.r4.model.CapabilityStatement.class);
        assertThat(cs.getFhirVersion().toCode()).isEqualTo("4.0.1");
        var resources = cs.getRestFirstRep().getResource();
        assertThat(resources).hasSizeGreaterThan(140);
        var observation = resources.stream()
                .filter(r -> r.getType().equals("Observation"))
                .findFirst()
                .orElseThrow();
        assertThat(observation.getInteraction())
                .extracting(i -> i.getCode().toCode())
                .contains(
                        "read",
                        "vread",
                        "create",
                        "update",
                        "delete",
                        "history-instance",
                        "history-type",
                        "search-type");
        assertThat(observation.getSearchParam())
                .extracting(p -> p.getName())
                .contains("patient", "code", "date", "value-quantity");
        var patient = resources.stream()
                .filter(r -> r.getType().equals("Patient"))
                .findFirst()
                .orElseThrow();
        assertThat(patient.getOperation()).extracting(o -> o.getName()).contains("everything", "validate");
        assertThat(cs.getRestFirstRep().getInteraction())
                .extracting(i -> i.getCode().toCode())
                .contains("transaction", "batch", "history-system");
    }
}
