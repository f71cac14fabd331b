package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.SafetyRules;
import io.patienttwin.simulation.model.Warning;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Warnings name their rule and source. */
class SafetyRulesTest {

    private static final Covariates NONE = new Covariates(Map.of(), Map.of());

    @Test
    void warfarinWithActiveAmiodaroneWarnsWithTheInteractionSource() {
        List<Warning> warnings = SafetyRules.check("warfarin", NONE, List.of("amiodarone"), Map.of(), null);
        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.code()).isEqualTo("PT-SIM-WARN-INTERACTION");
            assertThat(w.source()).contains("Holbrook");
        });
    }

    @Test
    void vancomycinBelowCreatinineClearance30IsAHighRenalWarning() {
        List<Warning> warnings = SafetyRules.check(
                "vancomycin", new Covariates(Map.of("crcl", 25.0), Map.of()), List.of(), Map.of(), null);
        assertThat(warnings).extracting(Warning::code).containsExactly("PT-SIM-WARN-RENAL");
        assertThat(warnings.get(0).severity()).isEqualTo("high");
    }

    @Test
    void recordedAllergyToTheDrugIsReportedWithTheAllergyResource() {
        List<Warning> warnings = SafetyRules.check(
                "vancomycin", NONE, List.of(), Map.of("vancomycin", "AllergyIntolerance/9/_history/1"), null);
        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.code()).isEqualTo("PT-SIM-WARN-ALLERGY");
            assertThat(w.source()).isEqualTo("AllergyIntolerance/9/_history/1");
        });
    }

    @Test
    void unrelatedMedicationsRaiseNothing() {
        assertThat(SafetyRules.check("warfarin", NONE, List.of("lisinopril"), Map.of(), null))
                .isEmpty();
    }
}
