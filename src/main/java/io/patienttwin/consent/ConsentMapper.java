package io.patienttwin.consent;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.ledger.LedgerRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;

/**
 * Reads what a FHIR R4 Consent allows ({@link ConsentTerms}) and turns it into the chain record; the
 * rules are those of PatientTwin's Consent profile. Stateless and thread-safe.
 *
 * <p>A consent PatientTwin can enforce: patient {@code Patient/<id>}; one provision of type permit
 * with exactly one actor (a Practitioner, PractitionerRole, Organization, CareTeam or Device, with a
 * role); at least one purpose of use from v3 ActReason; at least one data category (provision.code,
 * {@link DataCategory#SYSTEM}); sensitive labels it reaches named in provision.securityLabel; nested
 * provisions only of type deny, each withdrawing sensitive labels; a period whose end, if any, lies
 * after its start.
 */
public final class ConsentMapper {

    /** The extension on a stored Consent that carries its chain proof; excluded from the document hash. */
    public static final String PROOF_EXTENSION = "https://patienttwin.io/fhir/StructureDefinition/chain-proof";

    private static final Set<String> GRANTEE_TYPES =
            Set.of("Practitioner", "PractitionerRole", "Organization", "CareTeam", "Device");

    /** What reading a Consent gave: its terms, or every problem found. */
    public sealed interface Reading {
        /** The consent is enforceable as these terms. */
        record Valid(ConsentTerms terms) implements Reading {}

        /** The consent cannot be enforced; each problem names the element at fault. */
        record Invalid(List<String> problems) implements Reading {
            public Invalid {
                problems = List.copyOf(problems);
            }
        }
    }

    private final FhirContext fhirContext;
    private final Pseudonyms pseudonyms;

    public ConsentMapper(FhirContext fhirContext, Pseudonyms pseudonyms) {
        this.fhirContext = fhirContext;
        this.pseudonyms = pseudonyms;
    }

    /**
     * Why PatientTwin could not enforce this consent; empty when it could. Needs no id, so it can run
     * before a new consent is stored.
     */
    public List<String> problems(Consent consent) {
        List<String> problems = new ArrayList<>();
        terms(consent, null, problems);
        return problems;
    }

    /** The consent's terms, or all its problems; the consent needs its logical id already. */
    public Reading read(Consent consent) {
        return read(consent, consent.getIdElement().getIdPart());
    }

    /** The consent's terms under the logical id it is (about to be) stored with, or all its problems. */
    public Reading read(Consent consent, String consentId) {
        List<String> problems = new ArrayList<>();
        if (consentId == null) {
            problems.add("Consent.id: the consent has no id yet");
        }
        ConsentTerms terms = terms(consent, consentId, problems);
        return problems.isEmpty() ? new Reading.Valid(terms) : new Reading.Invalid(problems);
    }

    /** The patient a Consent is about, when it references {@code Patient/<id>} on this server. */
    public static Optional<String> patientOf(Consent consent) {
        IIdType patient = consent.getPatient().getReferenceElement();
        return "Patient".equals(patient.getResourceType()) && patient.hasIdPart() && !patient.hasBaseUrl()
                ? Optional.of(patient.getIdPart())
                : Optional.empty();
    }

    private ConsentTerms terms(Consent consent, String consentId, List<String> problems) {
        String patientId = patientOf(consent).orElse(null);
        if (patientId == null) {
            problems.add("Consent.patient: must reference Patient/<id> on this server");
        }
        Consent.ProvisionComponent provision = consent.getProvision();
        if (provision.getType() != Consent.ConsentProvisionType.PERMIT) {
            problems.add("Consent.provision.type: must be permit");
        }
        String grantee = grantee(provision, problems);
        Set<Purpose> purposes = purposes(provision, problems);
        Set<DataCategory> categories = categories(provision, problems);
        Set<SensitiveLabel> labels = labels(provision.getSecurityLabel(), "Consent.provision.securityLabel", problems);
        for (Consent.ProvisionComponent nested : provision.getProvision()) {
            if (nested.getType() != Consent.ConsentProvisionType.DENY
                    || !nested.hasSecurityLabel()
                    || nested.hasActor()
                    || nested.hasCode()
                    || nested.hasPurpose()
                    || nested.hasProvision()) {
                problems.add("Consent.provision.provision: only deny provisions that withdraw security labels are"
                        + " supported");
                continue;
            }
            labels.removeAll(labels(nested.getSecurityLabel(), "Consent.provision.provision.securityLabel", problems));
        }
        Instant from = provision.getPeriod().hasStart()
                ? provision.getPeriod().getStart().toInstant()
                : null;
        Instant until =
                provision.getPeriod().hasEnd() ? provision.getPeriod().getEnd().toInstant() : null;
        if ((from != null && from.isBefore(Instant.EPOCH)) || (until != null && !until.isAfter(Instant.EPOCH))) {
            problems.add("Consent.provision.period: must lie after 1970-01-01");
        }
        if (from != null && until != null && !until.isAfter(from)) {
            problems.add("Consent.provision.period: the end must lie after the start");
        }
        return problems.isEmpty()
                ? new ConsentTerms(consentId, patientId, grantee, categories, labels, purposes, from, until)
                : null;
    }

    /** The chain record of enforceable terms, with the document hash of the Consent as stored. */
    public LedgerRecords.Consent toLedgerRecord(ConsentTerms terms, Consent consent) {
        return new LedgerRecords.Consent(
                pseudonyms.consentId(terms.consentId()),
                pseudonyms.patient(terms.patientId()),
                Pseudonyms.grantee(terms.grantee()),
                terms.categoriesMask(),
                terms.purposesMask(),
                terms.validFrom() == null ? 0 : terms.validFrom().getEpochSecond(),
                terms.validUntil() == null ? 0 : terms.validUntil().getEpochSecond(),
                documentHash(consent));
    }

    /**
     * SHA-256 of the canonical JSON of a Consent: its content without id, meta, narrative, status and
     * chain proof, which change as the consent moves through its lifecycle while what it allows does
     * not. Anyone holding the Consent can recompute it and compare it with the chain.
     */
    public byte[] documentHash(Consent consent) {
        return Pseudonyms.document(canonicalJson(consent));
    }

    String canonicalJson(Consent consent) {
        Consent copy = consent.copy();
        copy.setIdElement(null);
        copy.setMeta(null);
        copy.setText(null);
        copy.setStatus(null);
        copy.getExtension().removeIf(extension -> PROOF_EXTENSION.equals(extension.getUrl()));
        return fhirContext.newJsonParser().setPrettyPrint(false).encodeResourceToString(copy);
    }

    private static String grantee(Consent.ProvisionComponent provision, List<String> problems) {
        if (provision.getActor().size() != 1) {
            problems.add("Consent.provision.actor: exactly one grantee is supported, found "
                    + provision.getActor().size());
            return null;
        }
        Consent.provisionActorComponent actor = provision.getActorFirstRep();
        IIdType reference = actor == null || actor.getReference() == null
                ? new org.hl7.fhir.r4.model.IdType()
                : actor.getReference().getReferenceElement();
        if (reference.getResourceType() == null
                || !GRANTEE_TYPES.contains(reference.getResourceType())
                || !reference.hasIdPart()
                || reference.hasBaseUrl()) {
            problems.add("Consent.provision.actor.reference: must be a relative reference to a Practitioner,"
                    + " PractitionerRole, Organization, CareTeam or Device");
            return null;
        }
        if (actor.getRole().isEmpty()) {
            problems.add("Consent.provision.actor.role: required");
        }
        return reference.getResourceType() + "/" + reference.getIdPart();
    }

    private static Set<Purpose> purposes(Consent.ProvisionComponent provision, List<String> problems) {
        Set<Purpose> purposes = EnumSet.noneOf(Purpose.class);
        for (Coding coding : provision.getPurpose()) {
            if (!Purpose.SYSTEM.equals(coding.getSystem())) {
                problems.add("Consent.provision.purpose: system must be " + Purpose.SYSTEM);
                continue;
            }
            Purpose.fromCode(coding.getCode())
                    .ifPresentOrElse(
                            purposes::add,
                            () -> problems.add("Consent.provision.purpose: unknown purpose " + coding.getCode()));
        }
        if (provision.getPurpose().isEmpty()) {
            problems.add("Consent.provision.purpose: at least one purpose of use is required");
        }
        return purposes;
    }

    private static Set<DataCategory> categories(Consent.ProvisionComponent provision, List<String> problems) {
        Set<DataCategory> categories = EnumSet.noneOf(DataCategory.class);
        for (CodeableConcept code : provision.getCode()) {
            for (Coding coding : code.getCoding()) {
                if (!DataCategory.SYSTEM.equals(coding.getSystem())) {
                    problems.add("Consent.provision.code: system must be " + DataCategory.SYSTEM);
                    continue;
                }
                DataCategory.fromCode(coding.getCode())
                        .ifPresentOrElse(
                                categories::add,
                                () -> problems.add(
                                        "Consent.provision.code: unknown data category " + coding.getCode()));
            }
        }
        if (categories.isEmpty() && problems.stream().noneMatch(p -> p.startsWith("Consent.provision.code"))) {
            problems.add("Consent.provision.code: at least one data category is required");
        }
        return categories;
    }

    private static Set<SensitiveLabel> labels(List<Coding> codings, String path, List<String> problems) {
        Set<SensitiveLabel> labels = EnumSet.noneOf(SensitiveLabel.class);
        for (Coding coding : codings) {
            if (!SensitiveLabel.SYSTEM.equals(coding.getSystem())) {
                problems.add(path + ": system must be " + SensitiveLabel.SYSTEM);
                continue;
            }
            SensitiveLabel.fromCode(coding.getCode())
                    .ifPresentOrElse(labels::add, () -> problems.add(path + ": unsupported label " + coding.getCode()));
        }
        return labels;
    }
}
