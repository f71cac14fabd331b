package io.patienttwin;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules of ARCHITECTURE §2.1 and §4: features depend one way
 * (portal → fhir → policy → consent → ledger; twin and simulation above policy; audit and identity
 * below everything), and clinical data leaves the resource tables only through the gated reader.
 */
@AnalyzeClasses(packages = "io.patienttwin", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule featuresDependOneWay = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .withOptionalLayers(true)
            .layer("portal")
            .definedBy("io.patienttwin.portal..")
            .layer("simulation")
            .definedBy("io.patienttwin.simulation..")
            .layer("twin")
            .definedBy("io.patienttwin.twin..")
            .layer("device")
            .definedBy("io.patienttwin.device..")
            .layer("fhir")
            .definedBy("io.patienttwin.fhir..")
            .layer("policy")
            .definedBy("io.patienttwin.policy..")
            .layer("consent")
            .definedBy("io.patienttwin.consent..")
            .layer("ledger")
            .definedBy("io.patienttwin.ledger..")
            .layer("audit")
            .definedBy("io.patienttwin.audit..")
            .layer("identity")
            .definedBy("io.patienttwin.identity..")
            .layer("localstack")
            .definedBy("io.patienttwin.localstack..")
            .layer("integrity")
            .definedBy("io.patienttwin.integrity")
            .whereLayer("portal")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("simulation")
            .mayOnlyBeAccessedByLayers("portal")
            .whereLayer("twin")
            .mayOnlyBeAccessedByLayers("portal", "simulation", "device")
            .whereLayer("device")
            .mayOnlyBeAccessedByLayers("portal")
            .whereLayer("fhir")
            .mayOnlyBeAccessedByLayers("portal", "twin", "simulation", "device")
            .whereLayer("policy")
            .mayOnlyBeAccessedByLayers("portal", "fhir", "twin", "simulation", "device")
            .whereLayer("consent")
            .mayOnlyBeAccessedByLayers("portal", "fhir", "policy", "twin", "simulation", "device")
            .whereLayer("ledger")
            .mayOnlyBeAccessedByLayers("portal", "fhir", "policy", "consent", "localstack")
            .whereLayer("audit")
            .mayOnlyBeAccessedByLayers("portal", "fhir", "policy", "consent", "ledger", "twin", "simulation")
            .whereLayer("identity")
            .mayOnlyBeAccessedByLayers(
                    "portal", "fhir", "policy", "consent", "ledger", "twin", "simulation", "audit", "device")
            .whereLayer("localstack")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("integrity")
            .mayOnlyBeAccessedByLayers("portal", "fhir", "policy", "consent", "ledger", "twin", "simulation", "audit");

    /**
     * The integrity hashing (leaves, RFC 8785, the Merkle tree, the offline verifier) is a library below
     * everything: the offline verifier must run with nothing of the server.
     */
    @ArchTest
    static final ArchRule integrityHashingUsesNoOtherFeature = noClasses()
            .that()
            .resideInAPackage("io.patienttwin.integrity")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.patienttwin.portal..",
                    "io.patienttwin.simulation..",
                    "io.patienttwin.twin..",
                    "io.patienttwin.fhir..",
                    "io.patienttwin.policy..",
                    "io.patienttwin.consent..",
                    "io.patienttwin.ledger..",
                    "io.patienttwin.audit..",
                    "io.patienttwin.identity..",
                    "io.patienttwin.localstack..");

    @ArchTest
    static final ArchRule auditAndIdentityUseNoOtherFeature = noClasses()
            .that()
            .resideInAnyPackage("io.patienttwin.audit..", "io.patienttwin.identity..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.patienttwin.portal..",
                    "io.patienttwin.simulation..",
                    "io.patienttwin.twin..",
                    "io.patienttwin.fhir..",
                    "io.patienttwin.policy..",
                    "io.patienttwin.consent..",
                    "io.patienttwin.ledger..",
                    "io.patienttwin.localstack..")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule onlyPackagesOwningTablesTouchTheDatabase = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "io.patienttwin.fhir.store..",
                    "io.patienttwin.consent..",
                    "io.patienttwin.ledger..",
                    "io.patienttwin.audit..")
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("jakarta.persistence.EntityManager")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("org.hibernate.Session")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.Connection")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.PreparedStatement")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("javax.sql.DataSource")
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("io.agroal..")
            .because("only the store (resource tables and their integrity leaves), consent (projection), ledger"
                    + " (outbox, events, integrity batches) and audit (records and their leaves) own tables; the"
                    + " others read through them");

    @ArchTest
    static final ArchRule resourceTablesStayInTheStore = noClasses()
            .that()
            .resideOutsideOfPackage("io.patienttwin.fhir.store..")
            .should()
            .dependOnClassesThat()
            .haveNameMatching("io\\.patienttwin\\.fhir\\.store\\.FhirResource.*Entity.*")
            .because("resource tables are read only through the GatedResourceReader (ARCHITECTURE §2.1)");

    @ArchTest
    static final ArchRule onlyTheGatedReaderRunsQueries = noClasses()
            .that()
            .resideInAPackage("io.patienttwin.fhir.store..")
            .and()
            .doNotHaveSimpleName("GatedResourceReader")
            .and()
            .doNotHaveSimpleName("Jdbc")
            .should()
            .callMethod(
                    "io.patienttwin.fhir.store.Jdbc",
                    "query",
                    "jakarta.persistence.EntityManager",
                    "java.lang.String",
                    "java.util.List",
                    "io.patienttwin.fhir.store.Jdbc$RowMapper")
            .orShould()
            .callMethod(
                    "io.patienttwin.fhir.store.Jdbc",
                    "count",
                    "jakarta.persistence.EntityManager",
                    "java.lang.String",
                    "java.util.List")
            .because("every read of clinical data asks the policy decision point first");
}
