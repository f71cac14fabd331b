package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.matchIds;
import static io.patienttwin.fhir.FhirTestSupport.newTag;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.patienttwin.fhir.FhirTestSupport.tagParam;
import static io.patienttwin.fhir.FhirTestSupport.tagged;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * Transaction and batch Bundles posted to /fhir: reference resolution, conditional create and
 * references, processing order, atomicity, per-entry batch outcomes, bundle validation and large
 * transactions that cross the write-chunk boundary.
 */
@QuarkusTest
class FhirBundleTest {

    private static final String LOCATION_V1 = "[A-Za-z]+/[A-Za-z0-9\\-.]{1,64}/_history/1";

    // ---- transaction: urn:uuid references ----

    @Test
    void transactionCreatesEveryEntryAndRewritesUrnUuidReferencesToTheAssignedIds() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent patientEntry = post(tx, patient(system, "p"));
        Encounter encounter = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setSubject(new Reference(patientEntry.getFullUrl()));
        BundleEntryComponent encounterEntry = post(tx, encounter);
        Observation observation = observation(new Reference(patientEntry.getFullUrl()));
        observation.setEncounter(new Reference(encounterEntry.getFullUrl()));
        post(tx, observation);

        Bundle response = sendOk(tx);

        assertThat(response.getType()).isEqualTo(BundleType.TRANSACTIONRESPONSE);
        assertThat(response.getEntry()).hasSize(3).allSatisfy(e -> {
            assertThat(e.getResponse().getStatus()).isEqualTo("201 Created");
            assertThat(e.getResponse().getLocation()).matches(LOCATION_V1);
            assertThat(e.getResponse().getEtag()).isEqualTo("W/\"1\"");
            assertThat(e.getResponse().getLastModified()).isNotNull();
        });
        assertThat(response.getEntry())
                .extracting(e -> new IdType(e.getResponse().getLocation()).getResourceType())
                .containsExactly("Patient", "Encounter", "Observation");
        String patientId = idOf(response, 0);
        String encounterId = idOf(response, 1);
        String observationId = idOf(response, 2);

        Observation stored = read(Observation.class, observationId);
        assertThat(stored.getSubject().getReference()).isEqualTo("Patient/" + patientId);
        assertThat(stored.getEncounter().getReference()).isEqualTo("Encounter/" + encounterId);
        assertThat(read(Encounter.class, encounterId).getSubject().getReference())
                .isEqualTo("Patient/" + patientId);
        assertThat(ids("Observation", "subject", "Patient/" + patientId)).containsExactly(observationId);
        assertThat(ids("Patient", "identifier", system + "|p")).containsExactly(patientId);
    }

    // ---- transaction: PUT, DELETE, GET and the processing order ----

    @Test
    void transactionRunsDeletesThenCreatesThenUpdatesThenReadsWhateverTheEntryOrder() {
        String tag = newTag();
        String system = newSystem();
        String doomedId = create(tagged(patient(system, "doomed"), tag));
        String clientId = "tx-" + UUID.randomUUID();

        Bundle tx = bundle(BundleType.TRANSACTION);
        get(tx, "Patient?_tag=" + URLEncoder.encode(tagParam(tag), StandardCharsets.UTF_8));
        get(tx, "Patient/" + clientId);
        Patient updated = tagged(patient(system, "client"), tag);
        updated.setId(clientId);
        put(tx, updated);
        // Matches the patient that this transaction deletes: as deletes run first, it must create anew.
        post(tx, tagged(patient(system, "doomed"), tag))
                .getRequest()
                .setIfNoneExist("identifier=" + system + "|doomed");
        delete(tx, "Patient/" + doomedId);

        Bundle response = sendOk(tx);

        assertThat(response.getEntry().get(4).getResponse().getStatus()).startsWith("204");
        fhir().get("/fhir/Patient/" + doomedId).then().statusCode(410);

        BundleEntryComponent created = response.getEntry().get(3);
        assertThat(created.getResponse().getStatus()).isEqualTo("201 Created");
        String createdId = new IdType(created.getResponse().getLocation()).getIdPart();
        assertThat(createdId).isNotEqualTo(doomedId);

        assertThat(response.getEntry().get(2).getResponse().getStatus()).isEqualTo("201 Created");
        assertThat(response.getEntry().get(2).getResponse().getLocation())
                .isEqualTo("Patient/" + clientId + "/_history/1");

        BundleEntryComponent read = response.getEntry().get(1);
        assertThat(read.getResponse().getStatus()).startsWith("200");
        assertThat(read.getResource().getIdElement().getIdPart()).isEqualTo(clientId);

        BundleEntryComponent search = response.getEntry().get(0);
        assertThat(search.getResponse().getStatus()).startsWith("200");
        Bundle searchset = (Bundle) search.getResource();
        assertThat(searchset.getType()).isEqualTo(BundleType.SEARCHSET);
        assertThat(searchset.getTotal()).isEqualTo(2);
        assertThat(matchIds(searchset)).containsExactlyInAnyOrder(clientId, createdId);
    }

    @Test
    void transactionUpdateOfAnExistingResourceAnswers200WithTheNextVersion() {
        String system = newSystem();
        String id = create(patient(system, "v1"));
        Patient changed = patient(system, "v2");
        changed.setId(id);
        Bundle tx = bundle(BundleType.TRANSACTION);
        put(tx, changed).getRequest().setIfMatch("W/\"1\"");

        BundleEntryComponent entry = sendOk(tx).getEntryFirstRep();

        assertThat(entry.getResponse().getStatus()).startsWith("200");
        assertThat(entry.getResponse().getLocation()).isEqualTo("Patient/" + id + "/_history/2");
        assertThat(entry.getResponse().getEtag()).isEqualTo("W/\"2\"");
        assertThat(read(Patient.class, id).getIdentifierFirstRep().getValue()).isEqualTo("v2");
    }

    @Test
    void transactionUpdateEntryWithAUrnUuidFullUrlIsReferencedByItsUrlId() {
        String clientId = "tx-" + UUID.randomUUID();
        Bundle tx = bundle(BundleType.TRANSACTION);
        Patient patient = patient(newSystem(), "urn-put");
        BundleEntryComponent putEntry =
                tx.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(patient);
        putEntry.getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/" + clientId);
        post(tx, observation(new Reference(putEntry.getFullUrl())));

        Bundle response = sendOk(tx);

        assertThat(response.getEntry().get(0).getResponse().getLocation())
                .isEqualTo("Patient/" + clientId + "/_history/1");
        assertThat(read(Observation.class, idOf(response, 1)).getSubject().getReference())
                .isEqualTo("Patient/" + clientId);
    }

    @Test
    void transactionThatWritesOneResourceTwiceIsRefusedWith400AndStoresNothing() {
        String system = newSystem();
        String id = create(patient(newSystem(), "twice"));
        Patient changed = patient(newSystem(), "changed");
        changed.setId(id);
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        put(tx, changed);
        delete(tx, "Patient/" + id);

        assertFails(tx, 400, "PT-FHIR-400-BUNDLE");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
        assertThat(read(Patient.class, id).getMeta().getVersionId()).isEqualTo("1");
    }

    // ---- transaction: conditional create ----

    @Test
    void transactionConditionalCreateReusesTheSingleExistingMatchAndResolvesReferencesToIt() {
        String system = newSystem();
        String existingId = create(patient(system, "42"));
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent patientEntry = post(tx, patient(system, "42"));
        patientEntry.getRequest().setIfNoneExist("identifier=" + system + "|42");
        post(tx, observation(new Reference(patientEntry.getFullUrl())));

        Bundle response = sendOk(tx);

        assertThat(response.getEntry().get(0).getResponse().getStatus()).startsWith("200");
        assertThat(new IdType(response.getEntry().get(0).getResponse().getLocation()).getIdPart())
                .isEqualTo(existingId);
        assertThat(response.getEntry().get(1).getResponse().getStatus()).isEqualTo("201 Created");
        Observation observation = read(Observation.class, idOf(response, 1));
        assertThat(observation.getSubject().getReference()).isEqualTo("Patient/" + existingId);
        assertThat(ids("Patient", "identifier", system + "|42")).containsExactly(existingId);
        assertThat(read(Patient.class, existingId).getMeta().getVersionId()).isEqualTo("1");
    }

    @Test
    void transactionConditionalCreateWithTwoMatchesFailsWith412AndWritesNothing() {
        String system = newSystem();
        String observationSystem = newSystem();
        create(patient(system, "twin"));
        create(patient(system, "twin"));
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, observation(FhirTestSupport.subject()).addIdentifier(identifier(observationSystem, "o")));
        post(tx, patient(system, "twin")).getRequest().setIfNoneExist("identifier=" + system + "|twin");

        assertFails(tx, 412, "PT-FHIR-412-CONDITIONAL");

        assertThat(total("Observation", "identifier", observationSystem + "|o")).isZero();
        assertThat(total("Patient", "identifier", system + "|twin")).isEqualTo(2);
    }

    @Test
    void twoConditionalCreatesWithTheSameCriteriaInOneTransactionCreateOneResource() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent first = post(tx, patient(system, "same"));
        first.getRequest().setIfNoneExist("identifier=" + system + "|same");
        BundleEntryComponent second = post(tx, patient(system, "same"));
        second.getRequest().setIfNoneExist("Patient?identifier=" + system + "|same");
        post(tx, observation(new Reference(second.getFullUrl())));

        Bundle response = sendOk(tx);

        String patientId = idOf(response, 0);
        assertThat(response.getEntry().get(0).getResponse().getStatus()).isEqualTo("201 Created");
        assertThat(response.getEntry().get(1).getResponse().getStatus()).startsWith("200");
        assertThat(idOf(response, 1)).isEqualTo(patientId);
        assertThat(ids("Patient", "identifier", system + "|same")).containsExactly(patientId);
        assertThat(read(Observation.class, idOf(response, 2)).getSubject().getReference())
                .isEqualTo("Patient/" + patientId);
    }

    // ---- transaction: conditional references ----

    @Test
    void conditionalReferenceIsResolvedToItsOneMatch() {
        String system = newSystem();
        String practitionerId = create(practitioner(system, "7"));
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent patientEntry = post(tx, patient(newSystem(), "p"));
        Encounter encounter = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED);
        encounter.setSubject(new Reference(patientEntry.getFullUrl()));
        encounter.addParticipant().setIndividual(new Reference("Practitioner?identifier=" + system + "|7"));
        post(tx, encounter);

        Bundle response = sendOk(tx);

        Encounter stored = read(Encounter.class, idOf(response, 1));
        assertThat(stored.getParticipantFirstRep().getIndividual().getReference())
                .isEqualTo("Practitioner/" + practitionerId);
        assertThat(stored.getSubject().getReference()).isEqualTo("Patient/" + idOf(response, 0));
        assertThat(ids("Encounter", "practitioner", "Practitioner/" + practitionerId))
                .containsExactly(idOf(response, 1));
    }

    @Test
    void conditionalReferenceWithoutAMatchFailsWith412AndWritesNothing() {
        String patientSystem = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(patientSystem, "p"));
        post(tx, observation(null).addPerformer(new Reference("Practitioner?identifier=" + newSystem() + "|nobody")));

        assertFails(tx, 412, "PT-FHIR-412-REFERENCE");

        assertThat(total("Patient", "identifier", patientSystem + "|p")).isZero();
    }

    @Test
    void conditionalReferenceWithSeveralMatchesFailsWith412AndWritesNothing() {
        String system = newSystem();
        create(practitioner(system, "dup"));
        create(practitioner(system, "dup"));
        String patientSystem = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(patientSystem, "p"));
        post(tx, observation(null).addPerformer(new Reference("Practitioner?identifier=" + system + "|dup")));

        assertFails(tx, 412, "PT-FHIR-412-REFERENCE");

        assertThat(total("Patient", "identifier", patientSystem + "|p")).isZero();
    }

    // ---- transaction: atomicity ----

    @Test
    void transactionWithAnUpdateWhoseIdDiffersFromItsUrlStoresNothing() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        Patient mismatched = patient(newSystem(), "x");
        mismatched.setId("body-" + UUID.randomUUID());
        BundleEntryComponent entry = tx.addEntry().setResource(mismatched);
        entry.getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/url-" + UUID.randomUUID());

        assertFails(tx, 400, "PT-FHIR-400-ID");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
    }

    @Test
    void transactionWithAnUnknownUrnUuidReferenceStoresNothing() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        post(tx, observation(new Reference("urn:uuid:" + UUID.randomUUID())));

        assertFails(tx, 400, "PT-FHIR-400-REFERENCE");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
    }

    @Test
    void transactionWithAnIfMatchVersionConflictStoresNothing() {
        String system = newSystem();
        String existingId = create(patient(newSystem(), "old"));
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        Patient stale = patient(newSystem(), "stale");
        stale.setId(existingId);
        put(tx, stale).getRequest().setIfMatch("W/\"5\"");

        assertFails(tx, 412, "PT-STORE-412");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
        Patient existing = read(Patient.class, existingId);
        assertThat(existing.getMeta().getVersionId()).isEqualTo("1");
        assertThat(existing.getIdentifierFirstRep().getValue()).isEqualTo("old");
    }

    @Test
    void transactionWithAReadOfAMissingResourceStoresNothing() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        get(tx, "Organization/missing-" + UUID.randomUUID());

        assertFails(tx, 404, "PT-FHIR-404");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
    }

    @Test
    void transactionThatFailsAfterAFlushedWriteChunkStoresNothing() {
        String tag = newTag();
        String existingId = create(patient(newSystem(), "old"));
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent patientEntry = post(tx, tagged(patient(newSystem(), "p"), tag));
        for (int i = 0; i < 600; i++) {
            post(tx, tagged(observation(new Reference(patientEntry.getFullUrl())), tag));
        }
        Patient stale = patient(newSystem(), "stale");
        stale.setId(existingId);
        put(tx, stale).getRequest().setIfMatch("W/\"9\"");

        assertFails(tx, 412, "PT-STORE-412");

        assertThat(total("Observation", "_tag", tagParam(tag))).isZero();
        assertThat(total("Patient", "_tag", tagParam(tag))).isZero();
    }

    // ---- batch ----

    @Test
    void batchEntriesSucceedOrFailIndependentlyEachWithItsOwnOutcome() {
        String system = newSystem();
        String existingId = create(patient(newSystem(), "old"));
        Bundle batch = bundle(BundleType.BATCH);
        post(batch, patient(system, "a"));
        Patient mismatched = patient(newSystem(), "x");
        mismatched.setId("other-" + UUID.randomUUID());
        BundleEntryComponent mismatch = batch.addEntry().setResource(mismatched);
        mismatch.getRequest().setMethod(HTTPVerb.PUT).setUrl("Patient/" + existingId);
        get(batch, "Organization/missing-" + UUID.randomUUID());
        Patient stale = patient(newSystem(), "stale");
        stale.setId(existingId);
        put(batch, stale).getRequest().setIfMatch("W/\"3\"");
        post(batch, patient(system, "b"));

        Bundle response = sendOk(batch);

        assertThat(response.getType()).isEqualTo(BundleType.BATCHRESPONSE);
        assertThat(response.getEntry()).hasSize(5);
        assertThat(response.getEntry().get(0).getResponse().getStatus()).isEqualTo("201 Created");
        assertFailedEntry(response.getEntry().get(1), "400", "PT-FHIR-400-ID");
        assertFailedEntry(response.getEntry().get(2), "404", "PT-FHIR-404");
        assertFailedEntry(response.getEntry().get(3), "412", "PT-STORE-412");
        assertThat(response.getEntry().get(4).getResponse().getStatus()).isEqualTo("201 Created");
        assertThat(ids("Patient", "identifier", system + "|a")).containsExactly(idOf(response, 0));
        assertThat(ids("Patient", "identifier", system + "|b")).containsExactly(idOf(response, 4));
        assertThat(read(Patient.class, existingId).getMeta().getVersionId()).isEqualTo("1");
    }

    @Test
    void batchFailureMessagesNameTheFailingEntry() {
        Bundle batch = bundle(BundleType.BATCH);
        post(batch, patient(newSystem(), "ok"));
        post(batch, observation(new Reference("Practitioner?identifier=" + newSystem() + "|nobody")));

        Bundle response = sendOk(batch);

        assertFailedEntry(response.getEntry().get(1), "412", "entry 1");
    }

    @Test
    void batchReadsAVersionAndRefusesUnsupportedPathsPerEntry() {
        String system = newSystem();
        String id = create(patient(system, "v1"));
        Patient changed = patient(system, "v2");
        changed.setId(id);
        fhir().body(json(changed)).put("/fhir/Patient/" + id).then().statusCode(200);
        Bundle batch = bundle(BundleType.BATCH);
        get(batch, "Patient/" + id + "/_history/1");
        get(batch, "Patient/" + id + "/$everything");
        get(batch, "Patient/" + id);

        Bundle response = sendOk(batch);

        Patient first = (Patient) response.getEntry().get(0).getResource();
        assertThat(first.getMeta().getVersionId()).isEqualTo("1");
        assertThat(first.getIdentifierFirstRep().getValue()).isEqualTo("v1");
        assertFailedEntry(response.getEntry().get(1), "400", "PT-FHIR-400-BUNDLE");
        Patient current = (Patient) response.getEntry().get(2).getResource();
        assertThat(current.getIdentifierFirstRep().getValue()).isEqualTo("v2");
        assertThat(response.getEntry().get(2).getResponse().getEtag()).isEqualTo("W/\"2\"");
    }

    @Test
    void quantitiesBeyondAnyFixedPrecisionAreStoredAndTheSearchableOnesFound() {
        String system = newSystem();
        Bundle batch = bundle(BundleType.BATCH);
        post(batch, patient(system, "before"));
        Observation huge = observation(FhirTestSupport.subject());
        huge.setValue(new org.hl7.fhir.r4.model.Quantity().setValue(new java.math.BigDecimal("1e30")));
        post(batch, huge);
        Observation absurd = observation(FhirTestSupport.subject());
        absurd.setValue(new org.hl7.fhir.r4.model.Quantity().setValue(new java.math.BigDecimal("1e400")));
        post(batch, absurd);
        Observation tiny = observation(FhirTestSupport.subject());
        tiny.setValue(new org.hl7.fhir.r4.model.Quantity().setValue(new java.math.BigDecimal("1e-300")));
        post(batch, tiny);
        post(batch, patient(system, "after"));

        Bundle response = sendOk(batch);

        assertThat(response.getEntry())
                .extracting(e -> e.getResponse().getStatus())
                .containsOnly("201 Created");
        String hugeId = response.getEntry().get(1).getResponse().getLocation().split("/")[1];
        assertThat(total("Observation", "value-quantity", "ge1e29"))
                .as("the 1e30 value is indexed")
                .isPositive();
        Bundle found = FhirTestSupport.search(
                "Observation", java.util.Map.of("_id", List.of(hugeId), "value-quantity", List.of("gt1e29")));
        assertThat(found.getEntry()).hasSize(1);
        assertThat(total("Patient", "identifier", system + "|before")).isEqualTo(1);
        assertThat(total("Patient", "identifier", system + "|after")).isEqualTo(1);
    }

    @Test
    void batchOfConditionalCreatesLoadedTwiceCreatesNoDuplicates() {
        String system = newSystem();

        Bundle first = sendOk(syntheaStyleProviderBatch(system));
        Bundle second = sendOk(syntheaStyleProviderBatch(system));

        assertThat(first.getEntry())
                .extracting(e -> e.getResponse().getStatus())
                .containsOnly("201 Created");
        assertThat(second.getEntry())
                .extracting(e -> e.getResponse().getStatus())
                .allMatch(s -> s.startsWith("200"));
        for (int i = 0; i < first.getEntry().size(); i++) {
            assertThat(idOf(second, i)).isEqualTo(idOf(first, i));
        }
        String organizationId = idOf(first, 0);
        String practitionerId = idOf(first, 2);
        assertThat(ids("Organization", "identifier", system + "|org")).containsExactly(organizationId);
        assertThat(ids("Location", "identifier", system + "|loc")).containsExactly(idOf(first, 1));
        assertThat(ids("Practitioner", "identifier", system + "|doc")).containsExactly(practitionerId);
        assertThat(ids("PractitionerRole", "identifier", system + "|role")).containsExactly(idOf(first, 3));
        PractitionerRole role = read(PractitionerRole.class, idOf(first, 3));
        assertThat(role.getPractitioner().getReference()).isEqualTo("Practitioner/" + practitionerId);
        assertThat(role.getOrganization().getReference()).isEqualTo("Organization/" + organizationId);
        assertThat(read(Location.class, idOf(first, 1))
                        .getManagingOrganization()
                        .getReference())
                .isEqualTo("Organization/" + organizationId);
    }

    /** Like Synthea's hospital and practitioner bundles: ifNoneExist entries and conditional references. */
    private static Bundle syntheaStyleProviderBatch(String system) {
        Bundle batch = bundle(BundleType.BATCH);
        Organization organization = new Organization().setName("General Hospital");
        organization.addIdentifier(identifier(system, "org"));
        conditionalPost(batch, organization, system, "org");
        Location location = new Location().setName("General Hospital");
        location.addIdentifier(identifier(system, "loc"));
        location.setManagingOrganization(new Reference("Organization?identifier=" + system + "|org"));
        conditionalPost(batch, location, system, "loc");
        conditionalPost(batch, practitioner(system, "doc"), system, "doc");
        PractitionerRole role = new PractitionerRole();
        role.addIdentifier(identifier(system, "role"));
        role.setPractitioner(new Reference("Practitioner?identifier=" + system + "|doc"));
        role.setOrganization(new Reference("Organization?identifier=" + system + "|org"));
        conditionalPost(batch, role, system, "role");
        return batch;
    }

    // ---- invalid bundles ----

    @Test
    void collectionBundleIsRefusedWith400AndNothingIsStored() {
        String system = newSystem();
        Bundle collection = bundle(BundleType.COLLECTION);
        collection.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(patient(system, "c"));

        assertFails(collection, 400, "PT-FHIR-400-BUNDLE");

        assertThat(total("Patient", "identifier", system + "|c")).isZero();
    }

    @Test
    void searchsetBundleIsRefusedWith400() {
        Bundle searchset = bundle(BundleType.SEARCHSET);
        searchset.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(patient(newSystem(), "s"));

        assertFails(searchset, 400, "PT-FHIR-400-BUNDLE");
    }

    @Test
    void transactionEntryWithoutRequestMethodIsRefusedWith400AndNothingIsStored() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first"));
        tx.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(patient(system, "second"));

        assertFails(tx, 400, "PT-FHIR-400-BUNDLE");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
    }

    @Test
    void postEntryWhoseUrlNamesAnotherTypeIsRefusedWith400() {
        String system = newSystem();
        Bundle tx = bundle(BundleType.TRANSACTION);
        post(tx, patient(system, "first")).getRequest().setUrl("Observation");

        assertFails(tx, 400, "PT-FHIR-400-BUNDLE");

        assertThat(total("Patient", "identifier", system + "|first")).isZero();
    }

    @Test
    void malformedBundleBodyIsRefusedWith400() {
        Response response = fhir().body("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{")
                .post("/fhir");

        response.then().statusCode(400);
        assertThat(parse(response.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getSeverity())
                .isEqualTo(OperationOutcome.IssueSeverity.ERROR);
    }

    @Test
    void bodyThatIsNotABundleIsRefusedWith400() {
        String system = newSystem();

        fhir().body(json(patient(system, "lonely"))).post("/fhir").then().statusCode(400);

        assertThat(total("Patient", "identifier", system + "|lonely")).isZero();
    }

    // ---- large transaction ----

    @Test
    void largeTransactionCommitsEveryEntryAcrossWriteChunks() {
        String tag = newTag();
        int observations = 1_500;
        Bundle tx = bundle(BundleType.TRANSACTION);
        BundleEntryComponent patientEntry = post(tx, tagged(patient(newSystem(), "big"), tag));
        for (int i = 0; i < observations; i++) {
            post(tx, tagged(observation(new Reference(patientEntry.getFullUrl())), tag));
        }

        Bundle response = sendOk(tx);

        assertThat(response.getEntry()).hasSize(observations + 1);
        assertThat(response.getEntry())
                .extracting(e -> e.getResponse().getStatus())
                .containsOnly("201 Created");
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= observations; i++) {
            ids.add(idOf(response, i));
        }
        assertThat(ids).hasSize(observations);
        String patientId = idOf(response, 0);
        assertThat(total("Observation", "_tag", tagParam(tag))).isEqualTo(observations);
        assertThat(total("Observation", "subject", "Patient/" + patientId)).isEqualTo(observations);
        assertThat(read(Observation.class, idOf(response, observations))
                        .getSubject()
                        .getReference())
                .isEqualTo("Patient/" + patientId);
    }

    // ---- helpers ----

    private static String newSystem() {
        return "urn:test:bundle:" + UUID.randomUUID();
    }

    private static org.hl7.fhir.r4.model.Identifier identifier(String system, String value) {
        return new org.hl7.fhir.r4.model.Identifier().setSystem(system).setValue(value);
    }

    private static Patient patient(String system, String value) {
        Patient patient = new Patient();
        patient.addIdentifier(identifier(system, value));
        patient.addName().setFamily("Bundle").addGiven(value);
        return patient;
    }

    private static Practitioner practitioner(String system, String value) {
        Practitioner practitioner = new Practitioner();
        practitioner.addIdentifier(identifier(system, value));
        practitioner.addName().setFamily("Doctor").addGiven(value);
        return practitioner;
    }

    private static Observation observation(Reference subject) {
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        if (subject != null) {
            observation.setSubject(subject);
        }
        return observation;
    }

    static Bundle bundle(BundleType type) {
        return new Bundle().setType(type);
    }

    static BundleEntryComponent post(Bundle bundle, Resource resource) {
        BundleEntryComponent entry =
                bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(resource);
        entry.getRequest().setMethod(HTTPVerb.POST).setUrl(resource.fhirType());
        return entry;
    }

    private static void conditionalPost(Bundle bundle, Resource resource, String system, String value) {
        post(bundle, resource).getRequest().setIfNoneExist("identifier=" + system + "|" + value);
    }

    private static BundleEntryComponent put(Bundle bundle, Resource resource) {
        BundleEntryComponent entry = bundle.addEntry().setResource(resource);
        entry.getRequest()
                .setMethod(HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
        return entry;
    }

    private static void delete(Bundle bundle, String url) {
        bundle.addEntry().getRequest().setMethod(HTTPVerb.DELETE).setUrl(url);
    }

    private static void get(Bundle bundle, String url) {
        bundle.addEntry().getRequest().setMethod(HTTPVerb.GET).setUrl(url);
    }

    private static Bundle sendOk(Bundle bundle) {
        Response response = fhir().body(json(bundle)).post("/fhir");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Bundle.class);
    }

    private static void assertFails(Bundle bundle, int status, String code) {
        Response response = fhir().body(json(bundle)).post("/fhir");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        OperationOutcome outcome = parse(response.asString(), OperationOutcome.class);
        assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(code);
    }

    private static void assertFailedEntry(BundleEntryComponent entry, String status, String diagnostics) {
        assertThat(entry.getResponse().getStatus()).startsWith(status);
        assertThat(entry.hasResource()).isFalse();
        assertThat(entry.getResponse().getOutcome()).isInstanceOf(OperationOutcome.class);
        OperationOutcome outcome = (OperationOutcome) entry.getResponse().getOutcome();
        assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
        assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(diagnostics);
    }

    private static String idOf(Bundle response, int entry) {
        return new IdType(response.getEntry().get(entry).getResponse().getLocation()).getIdPart();
    }

    static <T extends Resource> T read(Class<T> type, String id) {
        Response response = fhir().get("/fhir/" + type.getSimpleName() + "/" + id);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), type);
    }

    /** The ids of every current resource of a type matching one search parameter. */
    private static List<String> ids(String type, String param, String value) {
        Response response =
                fhir().queryParam(param, value).queryParam("_count", 500).get("/fhir/" + type);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return matchIds(parse(response.asString(), Bundle.class));
    }

    private static int total(String type, String param, String value) {
        Response response =
                fhir().queryParam(param, value).queryParam("_summary", "count").get("/fhir/" + type);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Bundle.class).getTotal();
    }
}
