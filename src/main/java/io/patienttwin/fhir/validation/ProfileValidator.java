package io.patienttwin.fhir.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import io.patienttwin.fhir.FhirConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.jboss.logging.Logger;

/**
 * Validates resources offline against core R4 and the PatientTwin profiles of fhir-profiles/ (on the
 * classpath under {@code fhir-profiles/}). Building the validator costs ~10 s and ~150 MB of heap:
 * it is warmed in the background at startup when validation on write is on, else built by the first
 * validation. Thread-safe.
 */
@ApplicationScoped
public class ProfileValidator {

    private static final Logger LOG = Logger.getLogger(ProfileValidator.class);
    static final String PROFILE_INDEX = "fhir-profiles/index.txt";

    private final FhirContext fhirContext;
    private final CompletableFuture<FhirValidator> validator = new CompletableFuture<>();

    public ProfileValidator(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /**
     * With validation on write, builds the validator in the background at startup so that no write
     * waits ~10 s for it. Otherwise it is built by the first $validate: its structure definitions take
     * some 150 MB of heap that a server which never validates should not carry.
     */
    void warmUp(@Observes StartupEvent event, FhirConfig config) {
        if (!config.validateOnWrite()) {
            return;
        }
        Thread warmUp = new Thread(this::build, "fhir-validator-warmup");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /** Validates a resource against its declared profiles and core R4; {@code profile} adds one more. */
    public ValidationResult validate(IBaseResource resource, String profile) {
        ValidationOptions options = new ValidationOptions();
        if (profile != null && !profile.isBlank()) {
            options.addProfile(profile);
        }
        if (!validator.isDone()) {
            build();
        }
        return validator.join().validateWithResult(resource, options);
    }

    /** Canonical URLs of the profiles loaded from fhir-profiles/. */
    public List<String> profileUrls() {
        return loadProfiles().stream().map(StructureDefinition::getUrl).toList();
    }

    private synchronized void build() {
        if (validator.isDone()) {
            return;
        }
        try {
            long start = System.nanoTime();
            PrePopulatedValidationSupport profiles = new PrePopulatedValidationSupport(fhirContext);
            loadProfiles().forEach(profiles::addStructureDefinition);
            ValidationSupportChain chain = new ValidationSupportChain(
                    new DefaultProfileValidationSupport(fhirContext),
                    profiles,
                    new SnapshotGeneratingValidationSupport(fhirContext),
                    new InMemoryTerminologyServerValidationSupport(fhirContext),
                    new CommonCodeSystemsTerminologyService(fhirContext));
            FhirInstanceValidator module = new FhirInstanceValidator(chain);
            // Profiles that cannot be resolved offline (e.g. US Core in Synthea data) are warnings, not errors.
            module.setErrorForUnknownProfiles(false);
            FhirValidator built = fhirContext.newValidator();
            built.registerValidatorModule(module);
            built.validateWithResult(new org.hl7.fhir.r4.model.Patient().setActive(true));
            validator.complete(built);
            LOG.infof("FHIR validator ready in %d ms", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            // Fail closed: every later validation reports the failure instead of waiting forever.
            LOG.error("FHIR validator could not be built", e);
            validator.completeExceptionally(e);
        }
    }

    private List<StructureDefinition> loadProfiles() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream index = loader.getResourceAsStream(PROFILE_INDEX)) {
            if (index == null) {
                return List.of();
            }
            return new String(index.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .map(file -> {
                        try (InputStream in = loader.getResourceAsStream("fhir-profiles/" + file)) {
                            if (in == null) {
                                throw new IllegalStateException("Profile listed but missing: fhir-profiles/" + file);
                            }
                            return (StructureDefinition)
                                    fhirContext.newJsonParser().parseResource(in);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
