package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.FHIR;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.newTag;
import static io.patienttwin.fhir.FhirTestSupport.search;
import static io.patienttwin.fhir.FhirTestSupport.tagParam;
import static io.patienttwin.fhir.FhirTestSupport.tagged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@QuarkusTest
class BulkLoadCommandTest {

    @TestHTTPResource("/fhir")
    URL fhirBase;

    @TempDir
    Path folder;

    @org.junit.jupiter.api.BeforeEach
    void custodian() {
        // the EHR system writes only patients of organizations it is custodian of
        TestCustodian.ensure();
    }

    @Test
    void loadsHospitalBundleBeforePatientBundlesAndReportsProgressPerFile() throws Exception {
        String tag = newTag();
        String npi = "bulk-" + tag;
        // The patient file sorts first by name but references the organization conditionally, so it
        // only loads if the hospital file goes first, as the command orders it.
        Files.writeString(folder.resolve("Aaron_Patient.json"), json(patientBundle(tag, npi)));
        Files.writeString(folder.resolve("hospitalInformation1.json"), json(hospitalBundle(tag, npi)));
        Files.writeString(folder.resolve("notes.txt"), "not a bundle");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        BulkLoadCommand.Summary summary = new BulkLoadCommand(
                        URI.create(fhirBase.toString()),
                        io.patienttwin.identity.Tokens.ehrSystem(),
                        new PrintStream(printed, true, StandardCharsets.UTF_8),
                        2)
                .load(folder);

        assertThat(summary.files()).isEqualTo(2);
        assertThat(summary.resources()).isEqualTo(3);
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("[1/2] hospitalInformation1.json: 1 resources");
        assertThat(lines.get(1))
                .startsWith("[2/2] Aaron_Patient.json: 2 resources")
                .contains("total 3 resources");
        assertThat(lines.get(2)).startsWith("Loaded 3 resources from 2 files");
        Observation stored = (Observation)
                search("Observation?_tag=" + tagParam(tag)).getEntryFirstRep().getResource();
        String organizationId = search("Organization?_tag=" + tagParam(tag))
                .getEntryFirstRep()
                .getResource()
                .getIdElement()
                .getIdPart();
        assertThat(stored.getPerformerFirstRep().getReference()).isEqualTo("Organization/" + organizationId);
    }

    @Test
    void givesPatientsThatNameNoManagingOrganizationTheOneItIsToldOf() throws Exception {
        String tag = newTag();
        Bundle bundle = patientBundle(tag, "unused");
        bundle.getEntry().remove(1); // no conditional reference to a hospital
        Patient managedElsewhere = tagged(new Patient(), tag);
        managedElsewhere.setManagingOrganization(new Reference("Organization/elsewhere"));
        Path file = folder.resolve("Synthea_Patient.json");
        // as Synthea writes it: no managing organization (FhirTestSupport.json would add one)
        Files.writeString(file, FHIR.newJsonParser().encodeResourceToString(bundle));
        Bundle both = bundle.copy();
        both.addEntry()
                .setResource(managedElsewhere)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Path mixed = folder.resolve("mixed.json");
        Files.writeString(mixed, FHIR.newJsonParser().encodeResourceToString(both));

        Bundle rewritten = FHIR.newJsonParser()
                .parseResource(
                        Bundle.class,
                        Files.readString(BulkLoadCommand.withManagingOrganization(mixed, TestCustodian.ORGANIZATION)));
        assertThat(rewritten.getEntry())
                .extracting(e ->
                        ((Patient) e.getResource()).getManagingOrganization().getReference())
                .containsExactly(TestCustodian.ORGANIZATION, "Organization/elsewhere");

        Files.delete(mixed);
        BulkLoadCommand.Summary summary = new BulkLoadCommand(
                        URI.create(fhirBase.toString()),
                        io.patienttwin.identity.Tokens.ehrSystem(),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        1,
                        TestCustodian.ORGANIZATION)
                .load(folder);
        assertThat(summary.resources()).isEqualTo(1);
        Patient stored = (Patient)
                search("Patient?_tag=" + tagParam(tag)).getEntryFirstRep().getResource();
        assertThat(stored.getManagingOrganization().getReference()).isEqualTo(TestCustodian.ORGANIZATION);
    }

    @Test
    void stopsAtTheFirstRefusedBundleNamingTheFile() throws Exception {
        Files.writeString(folder.resolve("broken.json"), "{\"resourceType\": \"Bundle\", \"type\": \"transaction\",");

        BulkLoadCommand command = new BulkLoadCommand(
                URI.create(fhirBase.toString()), io.patienttwin.identity.Tokens.ehrSystem(), System.out, 2);

        BulkLoadCommand.LoadFailedException failure =
                assertThrows(BulkLoadCommand.LoadFailedException.class, () -> command.load(folder));
        assertThat(failure.getMessage()).startsWith("broken.json was refused with HTTP 400");
    }

    private static Bundle hospitalBundle(String tag, String npi) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.BATCH);
        Organization organization = tagged(new Organization(), tag).setName("Bulk General");
        organization.addIdentifier(new Identifier().setSystem("urn:test:npi").setValue(npi));
        bundle.addEntry()
                .setResource(organization)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Organization")
                .setIfNoneExist("Organization?identifier=urn:test:npi|" + npi);
        return bundle;
    }

    private static Bundle patientBundle(String tag, String npi) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + java.util.UUID.randomUUID();
        bundle.addEntry()
                .setFullUrl(patientUrl)
                .setResource(
                        tagged(new Patient(), tag).addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Bulk")))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Observation observation = tagged(new Observation(), tag);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("bulk");
        observation.setSubject(new Reference(patientUrl));
        observation.addPerformer(new Reference("Organization?identifier=urn:test:npi|" + npi));
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                .setResource(observation)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        return bundle;
    }
}
