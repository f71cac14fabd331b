package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** The PatientTwin Consent profile of fhir-profiles/, through $validate. */
@QuarkusTest
class ConsentProfileTest {

    private static final String PROFILE = "https://patienttwin.io/fhir/StructureDefinition/patienttwin-consent";

    @Test
    void anEnforceableConsentConformsToTheProfile() {
        assertThat(errors(ConsentFixture.valid())).isEmpty();
    }

    @Test
    void aDenyProvisionAtTheTopIsNotAConsentToRecord() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);

        assertThat(errors(consent)).anyMatch(e -> e.contains("Consent.provision.type"));
    }

    @Test
    void aConsentWithoutPurposeOrCategoryOrGranteeDoesNotConform() {
        Consent noPurpose = ConsentFixture.valid();
        noPurpose.getProvision().setPurpose(null);
        assertThat(errors(noPurpose)).anyMatch(e -> e.contains("Consent.provision.purpose"));

        Consent noCategory = ConsentFixture.valid();
        noCategory.getProvision().setCode(null);
        assertThat(errors(noCategory)).anyMatch(e -> e.contains("Consent.provision.code"));

        Consent twoGrantees = ConsentFixture.valid();
        twoGrantees
                .getProvision()
                .addActor()
                .setReference(new Reference("Practitioner/bob"))
                .setRole(twoGrantees.getProvision().getActorFirstRep().getRole());
        assertThat(errors(twoGrantees)).anyMatch(e -> e.contains("Consent.provision.actor"));
    }

    @Test
    void categoriesAndPurposesMustComeFromTheirCodeSystems() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision().getCodeFirstRep().getCodingFirstRep().setSystem("http://loinc.org");
        consent.getProvision().getPurposeFirstRep().setSystem("http://example.org/purpose");

        List<String> errors = errors(consent);

        assertThat(errors).anyMatch(e -> e.contains("Consent.provision.code"));
        assertThat(errors).anyMatch(e -> e.contains("Consent.provision.purpose"));
    }

    @Test
    void nestedProvisionsMayOnlyDenyLabels() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision().addProvision().setType(Consent.ConsentProvisionType.PERMIT);
        assertThat(errors(consent)).isNotEmpty();

        Consent labelDeny = ConsentFixture.valid();
        labelDeny
                .getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SensitiveLabel.SYSTEM, "HIV", null));
        assertThat(errors(labelDeny)).isEmpty();
    }

    /** The error messages (with their locations) of validating against the profile. */
    private static List<String> errors(Consent consent) {
        String response = fhir().body(json(consent))
                .queryParam("profile", PROFILE)
                .post("/fhir/Consent/$validate")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return parse(response, OperationOutcome.class).getIssue().stream()
                .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                        || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                .map(i -> i.getExpression().toString() + " " + i.getLocation() + " " + i.getDiagnostics())
                .toList();
    }
}
