package io.patienttwin.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.twin.News2.Observed;
import io.patienttwin.twin.News2.Parameter;
import io.patienttwin.twin.News2.Risk;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.Test;

/** When device readings raise a NEWS2 alert, and what the alert says. */
class EarlyWarningTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final EarlyWarning warning = new EarlyWarning();

    private static Observed seen(Parameter parameter, double value, Instant at, String source) {
        return new Observed(parameter, value, at, List.of(source));
    }

    /** Scores a batch and keeps it, as a committed batch does; returns whether it raised an alert. */
    private boolean batch(Instant now, Observed... observed) {
        EarlyWarning.Assessment assessment = warning.assess("p1", List.of(observed), now);
        warning.committed(assessment);
        return assessment.raise();
    }

    @Test
    void aSingleParameterScoringThreeRaisesOnceAndNotAgainWhileItStays() {
        assertThat(batch(T0, seen(Parameter.PULSE, 72, T0, "Observation/hr1"))).isFalse();
        // respiration 26 scores 3: Chart 2's "red score"
        assertThat(batch(T0.plusSeconds(2), seen(Parameter.RESPIRATION, 26, T0.plusSeconds(2), "Observation/rr1")))
                .isTrue();
        assertThat(batch(T0.plusSeconds(4), seen(Parameter.RESPIRATION, 27, T0.plusSeconds(4), "Observation/rr2")))
                .isFalse();
    }

    @Test
    void aRiseOfTheClinicalRiskWhileTriggeredRaisesAgain() {
        assertThat(batch(T0, seen(Parameter.RESPIRATION, 26, T0, "Observation/rr1")))
                .isTrue(); // 3: low-medium
        // + pulse 135 (3) + systolic 85 (3) = 9: high
        assertThat(batch(
                        T0.plusSeconds(2),
                        seen(Parameter.PULSE, 135, T0.plusSeconds(2), "Observation/hr1"),
                        seen(Parameter.SYSTOLIC, 85, T0.plusSeconds(2), "Observation/bp1")))
                .isTrue();
        // falls back to medium (3 + pulse 95: 1 + systolic 105: 1 = 5): no alert for a fall
        assertThat(batch(
                        T0.plusSeconds(4),
                        seen(Parameter.PULSE, 95, T0.plusSeconds(4), "Observation/hr2"),
                        seen(Parameter.SYSTOLIC, 105, T0.plusSeconds(4), "Observation/bp2")))
                .isFalse();
        // and up to high once more: the high raised before stands (no alert for every swing around 7)
        assertThat(batch(T0.plusSeconds(6), seen(Parameter.SYSTOLIC, 88, T0.plusSeconds(6), "Observation/bp3")))
                .isFalse();
    }

    @Test
    void aScoreBelowTheThresholdArmsThePatientAgain() {
        assertThat(batch(T0, seen(Parameter.RESPIRATION, 26, T0, "Observation/rr1")))
                .isTrue();
        assertThat(batch(T0.plusSeconds(2), seen(Parameter.RESPIRATION, 16, T0.plusSeconds(2), "Observation/rr2")))
                .isFalse();
        assertThat(batch(T0.plusSeconds(4), seen(Parameter.RESPIRATION, 7, T0.plusSeconds(4), "Observation/rr3")))
                .isTrue();
    }

    @Test
    void anAssessmentNotCommittedChangesNothing() {
        EarlyWarning.Assessment rolledBack =
                warning.assess("p1", List.of(seen(Parameter.RESPIRATION, 26, T0, "Observation/rr1")), T0);
        assertThat(rolledBack.raise()).isTrue();
        // the batch's transaction rolled back: its retry raises the alert again
        assertThat(batch(T0, seen(Parameter.RESPIRATION, 26, T0, "Observation/rr1")))
                .isTrue();
    }

    @Test
    void readingsOlderThanTheWindowAreNotScoredAndALateOlderReadingDoesNotReplaceANewerOne() {
        Instant now = T0.plus(Duration.ofHours(2));
        assertThat(batch(now, seen(Parameter.RESPIRATION, 26, T0, "Observation/old")))
                .isFalse();
        assertThat(batch(now, seen(Parameter.RESPIRATION, 16, now, "Observation/rr-new")))
                .isFalse();
        // a 26 taken a minute before the 16 arrives late: the newest (16) stands
        assertThat(batch(now, seen(Parameter.RESPIRATION, 26, now.minusSeconds(60), "Observation/rr-late")))
                .isFalse();
        // an hour later with nothing new the window is empty again
        EarlyWarning.Assessment later = warning.assess("p1", List.of(), now.plus(Duration.ofMinutes(61)));
        assertThat(later.score().scored()).isEmpty();
    }

    @Test
    void theAlertNamesThePatientTheRaisingDeviceTheReadingsScoredAndTheRisk() {
        EarlyWarning.Assessment assessment = warning.assess(
                "p1",
                List.of(
                        seen(Parameter.RESPIRATION, 26, T0, "Observation/rr1/_history/1"),
                        seen(Parameter.PULSE, 72, T0, "Observation/hr1/_history/1")),
                T0);
        RiskAssessment alert = EarlyWarning.alert("p1", "mon-1", assessment.score());

        assertThat(alert.getSubject().getReference()).isEqualTo("Patient/p1");
        assertThat(alert.getPerformer().getReference()).isEqualTo("Device/mon-1");
        assertThat(alert.getCode().getCodingFirstRep().getCode()).isEqualTo(EarlyWarning.NEWS2_SNOMED);
        assertThat(alert.getBasis())
                .extracting(Reference::getReference)
                .containsExactlyInAnyOrder("Observation/rr1/_history/1", "Observation/hr1/_history/1");
        assertThat(alert.getPredictionFirstRep()
                        .getQualitativeRisk()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("low-medium");
        assertThat(alert.getPredictionFirstRep().getRationale())
                .startsWith("NEWS2 3 (a lower bound: spo2, oxygen, systolic, consciousness, temperature not observed)")
                .contains("respiration 26 scores 3")
                .contains("pulse 72 scores 0");
        assertThat(alert.getMeta().getTag()).anySatisfy(tag -> {
            assertThat(tag.getSystem()).isEqualTo(DataCategory.SYSTEM);
            assertThat(tag.getCode()).isEqualTo("vitals");
        });
        assertThat(assessment.score().risk()).isEqualTo(Risk.LOW_MEDIUM);
    }
}
