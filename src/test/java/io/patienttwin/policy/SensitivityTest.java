package io.patienttwin.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.SensitiveLabel;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** The category and consent bits of a resource, as the store records them at write time. */
class SensitivityTest {

    private static Observation observation(String categoryCode, String loinc) {
        Observation observation = new Observation();
        if (categoryCode != null) {
            observation
                    .addCategory()
                    .addCoding()
                    .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                    .setCode(categoryCode);
        }
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        return observation;
    }

    @Test
    void observationsFollowTheirCategoryAndGenotypesAreGenomics() {
        assertThat(Sensitivity.categoryOf(observation("vital-signs", "29463-7")))
                .isEqualTo(DataCategory.VITALS);
        assertThat(Sensitivity.categoryOf(observation("laboratory", "2160-0"))).isEqualTo(DataCategory.LABS);
        assertThat(Sensitivity.categoryOf(observation(null, "2160-0"))).isEqualTo(DataCategory.LABS);
        assertThat(Sensitivity.categoryOf(observation("laboratory", "46724-1"))).isEqualTo(DataCategory.GENOMICS);
    }

    @Test
    void resourceTypesMapToTheirCategoryAndUnlistedTypesToDocuments() {
        assertThat(Sensitivity.categoryOf(new Patient())).isEqualTo(DataCategory.DEMOGRAPHICS);
        assertThat(Sensitivity.categoryOf(new Condition())).isEqualTo(DataCategory.CONDITIONS);
        assertThat(Sensitivity.categoryOf(new AllergyIntolerance())).isEqualTo(DataCategory.ALLERGIES);
        assertThat(Sensitivity.categoryOf(new Basic())).isEqualTo(DataCategory.DOCUMENTS);
    }

    @Test
    void sensitiveLabelsAddTheirBitsAndOtherLabelsNone() {
        Condition condition = new Condition();
        condition.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("PSY");
        condition.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("HIV");
        condition
                .getMeta()
                .addSecurity()
                .setSystem("http://terminology.hl7.org/CodeSystem/v3-Confidentiality")
                .setCode("R");

        long mask = Sensitivity.maskOf(condition);

        assertThat(mask)
                .isEqualTo(DataCategory.CONDITIONS.mask() | SensitiveLabel.PSY.mask() | SensitiveLabel.HIV.mask());
        assertThat(Sensitivity.categoryBits(mask)).isEqualTo(DataCategory.CONDITIONS.mask());
    }

    @Test
    void aCategoryTagOnlyAddsBitsToAResourceOfAnotherCategory() {
        Condition condition = new Condition();
        condition.getMeta().addTag(DataCategory.SYSTEM, "vitals", null);
        condition.getMeta().addTag("http://example.org/other", "labs", null);

        assertThat(Sensitivity.maskOf(condition))
                .isEqualTo(DataCategory.CONDITIONS.mask() | DataCategory.VITALS.mask());
    }

    @Test
    void aProvenanceIsOfExactlyTheCategoriesItNamesAndOfDocumentsWhenItNamesNone() {
        org.hl7.fhir.r4.model.Provenance record = new org.hl7.fhir.r4.model.Provenance();
        assertThat(Sensitivity.maskOf(record)).isEqualTo(DataCategory.DOCUMENTS.mask());

        record.getMeta().addTag(DataCategory.SYSTEM, "labs", null);
        record.getMeta().addTag(DataCategory.SYSTEM, "conditions", null);
        record.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("PSY");

        assertThat(Sensitivity.maskOf(record))
                .isEqualTo(DataCategory.LABS.mask() | DataCategory.CONDITIONS.mask() | SensitiveLabel.PSY.mask());
        assertThat(Sensitivity.categoryOf(record)).isEqualTo(DataCategory.LABS);
    }
}
