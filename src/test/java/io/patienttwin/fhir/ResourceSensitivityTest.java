package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.create;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.SensitiveLabel;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Each stored resource carries its category and consent bits, set at write time, for the gate's query filter. */
@QuarkusTest
class ResourceSensitivityTest {

    @Inject
    EntityManager em;

    private Object[] columns(String type, String id) {
        List<?> rows = em.createNativeQuery(
                        "select patient_id, category, access_mask from fhir_resource where res_type = ?1 and res_id = ?2")
                .setParameter(1, type)
                .setParameter(2, id)
                .getResultList();
        assertThat(rows).hasSize(1);
        return (Object[]) rows.get(0);
    }

    @Test
    void compartmentResourcesStoreTheirCategoryAndLabelBitsOthersNone() {
        String patient = create(new Patient());
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation
                .addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode("vital-signs");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("29463-7");
        observation.setSubject(new Reference("Patient/" + patient));
        observation.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("PSY");
        String observationId = create(observation);
        String organization = create(new Organization().setName("Clinic"));

        Object[] obs = columns("Observation", observationId);
        assertThat(obs[0]).isEqualTo(patient);
        assertThat(obs[1]).isEqualTo("vitals");
        assertThat(((Number) obs[2]).longValue()).isEqualTo(DataCategory.VITALS.mask() | SensitiveLabel.PSY.mask());
        Object[] pat = columns("Patient", patient);
        assertThat(pat[1]).isEqualTo("demographics");
        assertThat(((Number) pat[2]).longValue()).isEqualTo(DataCategory.DEMOGRAPHICS.mask());
        Object[] org = columns("Organization", organization);
        assertThat(org[0]).isNull();
        assertThat(org[1]).isNull();
        assertThat(((Number) org[2]).longValue()).isZero();
    }
}
