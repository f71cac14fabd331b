package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.FHIR;
import static io.patienttwin.fhir.FhirTestSupport.TAG_SYSTEM;
import static io.patienttwin.fhir.FhirTestSupport.newTag;
import static io.patienttwin.fhir.FhirTestSupport.tagged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /fhir as HAPI's own generic client sees it: CRUD, search, history, transaction and $everything. */
@QuarkusTest
class HapiGenericClientTest {

    @TestHTTPResource("/fhir")
    URL fhirUrl;

    private IGenericClient client;

    @BeforeEach
    void connect() {
        TestCustodian.ensure();
        client = FHIR.newRestfulGenericClient(fhirUrl.toString());
        client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(
                io.patienttwin.identity.Tokens.ehrSystem()));
    }

    @Test
    void createReadUpdateAndDeleteRoundTrip() {
        MethodOutcome created =
                client.create().resource(patient("Client", "v1")).execute();
        assertThat(created.getCreated()).isTrue();
        IdType id = (IdType) created.getId();
        assertThat(id.getVersionIdPart()).isEqualTo("1");

        Patient read =
                client.read().resource(Patient.class).withId(id.getIdPart()).execute();
        assertThat(read.getNameFirstRep().getGivenAsSingleString()).isEqualTo("v1");

        read.getNameFirstRep().getGiven().clear();
        read.getNameFirstRep().addGiven("v2");
        MethodOutcome updated = client.update().resource(read).execute();
        assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");
        assertThat(client.read()
                        .resource(Patient.class)
                        .withId(id.getIdPart())
                        .execute()
                        .getNameFirstRep()
                        .getGivenAsSingleString())
                .isEqualTo("v2");
        assertThat(client.read()
                        .resource(Patient.class)
                        .withIdAndVersion(id.getIdPart(), "1")
                        .execute()
                        .getNameFirstRep()
                        .getGivenAsSingleString())
                .isEqualTo("v1");

        client.delete().resourceById("Patient", id.getIdPart()).execute();
        assertThrows(ResourceGoneException.class, () -> client.read()
                .resource(Patient.class)
                .withId(id.getIdPart())
                .execute());
    }

    @Test
    void readOfAnUnknownIdThrowsResourceNotFoundOrForbiddenForPatientData() {
        assertThrows(ResourceNotFoundException.class, () -> client.read()
                .resource(Organization.class)
                .withId("missing-" + UUID.randomUUID())
                .execute());
        // existence of patient data is not disclosed: the answer of a forbidden read
        assertThrows(ForbiddenOperationException.class, () -> client.read()
                .resource(Patient.class)
                .withId("missing-" + UUID.randomUUID())
                .execute());
    }

    @Test
    void conditionalCreateReturnsTheExistingResource() {
        String system = "urn:test:client:" + UUID.randomUUID();
        Patient patient = patient("Conditional", "c");
        patient.addIdentifier().setSystem(system).setValue("1");

        MethodOutcome first = client.create()
                .resource(patient)
                .conditionalByUrl("Patient?identifier=" + system + "|1")
                .execute();
        MethodOutcome second = client.create()
                .resource(patient)
                .conditionalByUrl("Patient?identifier=" + system + "|1")
                .execute();

        assertThat(first.getCreated()).isTrue();
        assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
        assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
    }

    @Test
    void searchReturnsExactlyTheTaggedResourcesAcrossPages() {
        String tag = newTag();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(client.create()
                    .resource(tagged(patient("Search", "s" + i), tag))
                    .execute()
                    .getId()
                    .getIdPart());
        }

        Bundle page = client.search()
                .forResource(Patient.class)
                .withTag(TAG_SYSTEM, tag)
                .count(2)
                .returnBundle(Bundle.class)
                .execute();

        assertThat(page.getTotal()).isEqualTo(5);
        List<String> seen = new ArrayList<>(idsOf(page));
        int pages = 1;
        while (page.getLink(Bundle.LINK_NEXT) != null && pages <= 5) {
            page = client.loadPage().next(page).execute();
            seen.addAll(idsOf(page));
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void historyListsEveryVersionNewestFirst() {
        IdType id = (IdType)
                client.create().resource(patient("History", "h1")).execute().getId();
        Patient v2 = patient("History", "h2");
        v2.setId(id.getIdPart());
        client.update().resource(v2).execute();

        Bundle history = client.history()
                .onInstance(id.toUnqualifiedVersionless())
                .returnBundle(Bundle.class)
                .execute();

        assertThat(history.getType()).isEqualTo(BundleType.HISTORY);
        assertThat(history.getEntry())
                .extracting(e -> e.getResource().getMeta().getVersionId())
                .containsExactly("2", "1");
    }

    @Test
    void transactionResolvesUrnUuidReferences() {
        Bundle tx = new Bundle().setType(BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        tx.addEntry()
                .setFullUrl(patientUrl)
                .setResource(patient("Tx", "t"))
                .getRequest()
                .setMethod(HTTPVerb.POST)
                .setUrl("Patient");
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("weight");
        observation.setSubject(new Reference(patientUrl));
        tx.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(observation)
                .getRequest()
                .setMethod(HTTPVerb.POST)
                .setUrl("Observation");

        Bundle response = client.transaction().withBundle(tx).execute();

        assertThat(response.getType()).isEqualTo(BundleType.TRANSACTIONRESPONSE);
        assertThat(response.getEntry())
                .extracting(e -> e.getResponse().getStatus())
                .containsOnly("201 Created");
        String patientId = new IdType(response.getEntry().get(0).getResponse().getLocation()).getIdPart();
        String observationId =
                new IdType(response.getEntry().get(1).getResponse().getLocation()).getIdPart();
        Observation stored =
                client.read().resource(Observation.class).withId(observationId).execute();
        assertThat(stored.getSubject().getReference()).isEqualTo("Patient/" + patientId);
    }

    @Test
    void transactionErrorsArriveAsHapiExceptions() {
        Bundle collection = new Bundle().setType(BundleType.COLLECTION);
        collection.addEntry().setResource(patient("Collection", "c"));

        InvalidRequestException refused = assertThrows(
                InvalidRequestException.class,
                () -> client.transaction().withBundle(collection).execute());

        assertThat(refused.getMessage()).contains("PT-FHIR-400-BUNDLE");
    }

    @Test
    void everythingOperationWorksOverPostAndGet() {
        String patientId = client.create()
                .resource(patient("Everything", "e"))
                .execute()
                .getId()
                .getIdPart();
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("pulse");
        observation.setSubject(new Reference("Patient/" + patientId));
        String observationId =
                client.create().resource(observation).execute().getId().getIdPart();
        IdType patient = new IdType("Patient", patientId);

        Bundle posted = client.operation()
                .onInstance(patient)
                .named("$everything")
                .withNoParameters(Parameters.class)
                .returnResourceType(Bundle.class)
                .execute();
        Bundle got = client.operation()
                .onInstance(patient)
                .named("$everything")
                .withParameter(Parameters.class, "_count", new UnsignedIntType(1))
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();

        assertThat(typedIds(posted)).containsExactly("Patient/" + patientId, "Observation/" + observationId);
        assertThat(got.getTotal()).isEqualTo(2);
        assertThat(typedIds(got)).containsExactly("Patient/" + patientId);
        Bundle next = client.loadPage().next(got).execute();
        assertThat(typedIds(next)).containsExactly("Observation/" + observationId);
    }

    private static Patient patient(String family, String given) {
        Patient patient = new Patient();
        patient.addName().setFamily(family).addGiven(given);
        TestCustodian.manage(patient);
        return patient;
    }

    private static List<String> idsOf(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(e -> e.getResource().getIdElement().getIdPart())
                .toList();
    }

    private static List<String> typedIds(Bundle bundle) {
        List<String> ids = new ArrayList<>();
        for (BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            ids.add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        }
        return ids;
    }
}
