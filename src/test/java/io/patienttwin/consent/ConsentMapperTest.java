package io.patienttwin.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.ledger.LedgerRecords;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class ConsentMapperTest {

    private final Pseudonyms pseudonyms =
            new Pseudonyms("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    private final ConsentMapper mapper = new ConsentMapper(FhirContext.forR4Cached(), pseudonyms);

    @Test
    void aValidConsentReadsAsItsTerms() {
        ConsentTerms terms = valid(ConsentFixture.valid());

        assertThat(terms.consentId()).isEqualTo("c1");
        assertThat(terms.patientId()).isEqualTo("p1");
        assertThat(terms.grantee()).isEqualTo("Practitioner/alice");
        assertThat(terms.categories()).containsExactlyInAnyOrder(DataCategory.LABS, DataCategory.VITALS);
        assertThat(terms.labels()).isEmpty();
        assertThat(terms.purposes()).containsExactly(Purpose.TREAT);
        assertThat(terms.validFrom()).isEqualTo(ConsentFixture.FROM.toInstant());
        assertThat(terms.validUntil()).isEqualTo(ConsentFixture.UNTIL.toInstant());
        assertThat(terms.categoriesMask()).isEqualTo(DataCategory.LABS.mask() | DataCategory.VITALS.mask());
        assertThat(terms.purposesMask()).isEqualTo(1);
    }

    @Test
    void theChainRecordCarriesOnlyPseudonymsHashesMasksAndTimes() {
        Consent consent = ConsentFixture.valid();

        LedgerRecords.Consent record = mapper.toLedgerRecord(valid(consent), consent);

        assertThat(record.consentId()).isEqualTo(pseudonyms.consentId("c1"));
        assertThat(record.patient()).isEqualTo(pseudonyms.patient("p1"));
        assertThat(record.grantee()).isEqualTo(Pseudonyms.grantee("Practitioner/alice"));
        assertThat(record.validFrom()).isEqualTo(1_767_225_600L);
        assertThat(record.validUntil()).isEqualTo(2_082_758_400L);
        assertThat(record.documentHash())
                .isEqualTo(mapper.documentHash(consent))
                .hasSize(32);
    }

    @Test
    void sensitiveLabelsNamedInTheProvisionAreCoveredUnlessANestedDenyWithdrawsThem() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision()
                .addSecurityLabel(new Coding(SensitiveLabel.SYSTEM, "PSY", null))
                .addSecurityLabel(new Coding(SensitiveLabel.SYSTEM, "HIV", null));
        consent.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SensitiveLabel.SYSTEM, "HIV", null));

        ConsentTerms terms = valid(consent);

        assertThat(terms.labels()).containsExactly(SensitiveLabel.PSY);
        assertThat(terms.categoriesMask() & SensitiveLabel.PSY.mask()).isNotZero();
        assertThat(terms.categoriesMask() & SensitiveLabel.HIV.mask()).isZero();
    }

    @Test
    void anOpenConsentHasNoPeriodBounds() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision().setPeriod(null);

        ConsentTerms terms = valid(consent);

        assertThat(terms.validFrom()).isNull();
        assertThat(terms.validUntil()).isNull();
        assertThat(mapper.toLedgerRecord(terms, consent).validUntil()).isZero();
    }

    @Test
    void everyProblemIsReportedWithTheElementAtFault() {
        Consent consent = ConsentFixture.valid();
        consent.setPatient(new Reference("Group/g1"));
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);
        consent.getProvision().getPurposeFirstRep().setCode("SHOPPING");
        consent.getProvision().getCodeFirstRep().getCodingFirstRep().setCode("horoscopes");
        consent.getProvision().getPeriod().setEnd(ConsentFixture.FROM);
        consent.getProvision().addSecurityLabel(new Coding(SensitiveLabel.SYSTEM, "VIP", null));

        assertThat(problems(consent))
                .containsExactlyInAnyOrder(
                        "Consent.patient: must reference Patient/<id> on this server",
                        "Consent.provision.type: must be permit",
                        "Consent.provision.purpose: unknown purpose SHOPPING",
                        "Consent.provision.code: unknown data category horoscopes",
                        "Consent.provision.securityLabel: unsupported label VIP",
                        "Consent.provision.period: the end must lie after the start");
    }

    @Test
    void theGranteeMustBeExactlyOneActorOfAGrantableTypeWithARole() {
        Consent twoActors = ConsentFixture.valid();
        twoActors.getProvision().addActor().setReference(new Reference("Practitioner/bob"));
        assertThat(problems(twoActors))
                .containsExactly("Consent.provision.actor: exactly one grantee is supported, found 2");

        Consent patientGrantee = ConsentFixture.valid();
        patientGrantee.getProvision().getActorFirstRep().setReference(new Reference("Patient/p2"));
        assertThat(problems(patientGrantee)).singleElement().asString().startsWith("Consent.provision.actor.reference");

        Consent absolute = ConsentFixture.valid();
        absolute.getProvision()
                .getActorFirstRep()
                .setReference(new Reference("https://elsewhere.example/fhir/Practitioner/x"));
        assertThat(problems(absolute)).singleElement().asString().startsWith("Consent.provision.actor.reference");

        Consent noRole = ConsentFixture.valid();
        noRole.getProvision().getActorFirstRep().setRole(null);
        assertThat(problems(noRole)).containsExactly("Consent.provision.actor.role: required");
    }

    @Test
    void purposesAndCategoriesAreRequiredAndMustComeFromTheirCodeSystems() {
        Consent none = ConsentFixture.valid();
        none.getProvision().setPurpose(null);
        none.getProvision().setCode(null);
        assertThat(problems(none))
                .containsExactlyInAnyOrder(
                        "Consent.provision.purpose: at least one purpose of use is required",
                        "Consent.provision.code: at least one data category is required");

        Consent foreign = ConsentFixture.valid();
        foreign.getProvision().getPurposeFirstRep().setSystem("http://example.org/purposes");
        foreign.getProvision().setCode(null);
        foreign.getProvision().addCode(new CodeableConcept(new Coding("http://loinc.org", "11502-2", null)));
        assertThat(problems(foreign))
                .contains(
                        "Consent.provision.purpose: system must be " + Purpose.SYSTEM,
                        "Consent.provision.code: system must be " + DataCategory.SYSTEM);
    }

    @Test
    void nestedProvisionsOtherThanLabelDeniesAreRefused() {
        Consent consent = ConsentFixture.valid();
        consent.getProvision().addProvision().setType(Consent.ConsentProvisionType.PERMIT);

        assertThat(problems(consent))
                .containsExactly(
                        "Consent.provision.provision: only deny provisions that withdraw security labels are supported");
    }

    @Test
    void theDocumentHashIgnoresLifecycleButNotWhatTheConsentAllows() {
        Consent consent = ConsentFixture.valid();
        byte[] original = mapper.documentHash(consent);

        Consent lifecycle = consent.copy();
        lifecycle.setStatus(Consent.ConsentState.ACTIVE);
        lifecycle.getMeta().setVersionId("7");
        lifecycle.addExtension(new Extension(ConsentMapper.PROOF_EXTENSION, new StringType("0xabc")));
        assertThat(mapper.documentHash(lifecycle)).isEqualTo(original);

        Consent widened = consent.copy();
        widened.getProvision().addPurpose(new Coding(Purpose.SYSTEM, "HRESCH", null));
        assertThat(mapper.documentHash(widened)).isNotEqualTo(original);

        Consent anotherPatient = consent.copy();
        anotherPatient.setPatient(new Reference("Patient/p2"));
        assertThat(mapper.documentHash(anotherPatient)).isNotEqualTo(original);
    }

    @Test
    void everyDataCategoryAndLabelHasItsOwnBit() {
        long all = 0;
        for (DataCategory category : DataCategory.values()) {
            assertThat(all & category.mask()).isZero();
            all |= category.mask();
        }
        for (SensitiveLabel label : SensitiveLabel.values()) {
            assertThat(all & label.mask()).isZero();
            all |= label.mask();
        }
        assertThat(all).isLessThan(1L << 32); // fits the contract's uint32
        assertThat(Set.of(Purpose.values()).stream().mapToLong(Purpose::mask).sum())
                .isLessThan(1L << 16);
    }

    private ConsentTerms valid(Consent consent) {
        ConsentMapper.Reading reading = mapper.read(consent);
        assertThat(reading).isInstanceOf(ConsentMapper.Reading.Valid.class);
        return ((ConsentMapper.Reading.Valid) reading).terms();
    }

    private java.util.List<String> problems(Consent consent) {
        ConsentMapper.Reading reading = mapper.read(consent);
        assertThat(reading).isInstanceOf(ConsentMapper.Reading.Invalid.class);
        return ((ConsentMapper.Reading.Invalid) reading).problems();
    }
}
