package io.patienttwin.twin;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.twin.News2.Consciousness;
import io.patienttwin.twin.News2.Observed;
import io.patienttwin.twin.News2.Parameter;
import io.patienttwin.twin.News2.Risk;
import io.patienttwin.twin.News2.Scale;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

/** NEWS2 against the Royal College of Physicians' 2017 charts (the table: src/test/resources/news2/). */
class News2Test {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    @ParameterizedTest(name = "{0} {1} ({2}, scale {3}) scores {4}: {5}")
    @CsvFileSource(resources = "/news2/rcp-2017-chart1.csv")
    void eachSubScoreMatchesChart1AtEveryBandEdge(
            String parameter, String value, String oxygen, String scale, int points, String source) {
        boolean onOxygen = oxygen.equals("oxygen");
        int scored =
                switch (parameter) {
                    case "respiration" -> News2.respiration(Double.parseDouble(value));
                    case "spo2" -> News2.spo2(
                            Double.parseDouble(value), scale.equals("2") ? Scale.SCALE_2 : Scale.SCALE_1, onOxygen);
                    case "oxygen" -> News2.oxygen(onOxygen);
                    case "systolic" -> News2.systolic(Double.parseDouble(value));
                    case "pulse" -> News2.pulse(Double.parseDouble(value));
                    case "consciousness" -> News2.consciousness(
                            switch (value) {
                                case "A" -> Consciousness.ALERT;
                                case "C" -> Consciousness.CONFUSION;
                                case "V" -> Consciousness.VOICE;
                                case "P" -> Consciousness.PAIN;
                                case "U" -> Consciousness.UNRESPONSIVE;
                                default -> throw new IllegalArgumentException(value);
                            });
                    case "temperature" -> News2.temperature(Double.parseDouble(value));
                    default -> throw new IllegalArgumentException("unknown parameter in the table: " + parameter);
                };
        assertThat(scored).as(source).isEqualTo(points);
    }

    @ParameterizedTest(name = "aggregate {0}, a single 3: {1} -> {2}")
    @CsvSource({
        // Chart 2 (NEWS thresholds and triggers): 0 low; 1-4 low; a 3 in any single parameter low-medium;
        // 5-6 medium; 7 or more high
        "0, false, LOW",
        "1, false, LOW",
        "4, false, LOW",
        "3, true, LOW_MEDIUM",
        "4, true, LOW_MEDIUM",
        "5, false, MEDIUM",
        "6, true, MEDIUM",
        "7, false, HIGH",
        "7, true, HIGH",
        "20, true, HIGH"
    })
    void theAggregateRiskFollowsChart2(int total, boolean anyThree, Risk risk) {
        assertThat(News2.risk(total, anyThree)).isEqualTo(risk);
    }

    @Test
    void aCompleteSetIsSummedAndTriggersAtFiveOrMore() {
        // RR 22 (2), SpO2 95 on Scale 1 (1), air (0), SBP 105 (1), pulse 95 (1), alert (0), 37.0 (0): 5
        News2.Score score = News2.score(set(22, 95, false, 105, 95, Consciousness.ALERT, 37.0), Scale.SCALE_1);
        assertThat(score.complete()).isTrue();
        assertThat(score.total()).isEqualTo(5);
        assertThat(score.anyThree()).isFalse();
        assertThat(score.risk()).isEqualTo(Risk.MEDIUM);
        assertThat(score.triggers()).isTrue();
        assertThat(score.scored()).extracting(News2.Scored::points).containsExactly(2, 1, 0, 1, 1, 0, 0);
    }

    @Test
    void aSingleThreeTriggersAtALowAggregate() {
        News2.Score score = News2.score(set(16, 97, false, 120, 130 + 5, Consciousness.ALERT, 37.0), Scale.SCALE_1);
        assertThat(score.total()).isEqualTo(3);
        assertThat(score.anyThree()).isTrue();
        assertThat(score.risk()).isEqualTo(Risk.LOW_MEDIUM);
        assertThat(score.triggers()).isTrue();
    }

    @Test
    void aNormalCompleteSetScoresZeroAndDoesNotTrigger() {
        News2.Score score = News2.score(set(16, 97, false, 120, 72, Consciousness.ALERT, 37.0), Scale.SCALE_1);
        assertThat(score.complete()).isTrue();
        assertThat(score.total()).isZero();
        assertThat(score.risk()).isEqualTo(Risk.LOW);
        assertThat(score.triggers()).isFalse();
    }

    @Test
    void parametersNotObservedOrOlderThanAnHourAreMissingAndTheScoreIsIncomplete() {
        List<Observed> observed = new ArrayList<>();
        observed.add(new Observed(Parameter.PULSE, 140.0, NOW, List.of("Observation/hr")));
        // an hour and a second before the newest: not of the same set
        observed.add(new Observed(Parameter.RESPIRATION, 30.0, NOW.minusSeconds(3601), List.of("Observation/rr")));
        observed.add(new Observed(Parameter.TEMPERATURE, 37.0, NOW.minusSeconds(3600), List.of("Observation/t")));
        News2.Score score = News2.score(observed, Scale.SCALE_1);
        assertThat(score.complete()).isFalse();
        assertThat(score.missing())
                .containsExactly(
                        Parameter.RESPIRATION,
                        Parameter.SPO2,
                        Parameter.OXYGEN,
                        Parameter.SYSTOLIC,
                        Parameter.CONSCIOUSNESS);
        assertThat(score.total()).isEqualTo(3);
        assertThat(score.triggers()).as("a lower bound already at a red score").isTrue();
        assertThat(score.time()).isEqualTo(NOW);
    }

    @Test
    void theNewestValueOfAParameterIsScored() {
        List<Observed> observed = new ArrayList<>();
        observed.add(new Observed(Parameter.PULSE, 140.0, NOW.minusSeconds(60), List.of("Observation/old")));
        observed.add(new Observed(Parameter.PULSE, 72.0, NOW, List.of("Observation/new")));
        News2.Score score = News2.score(observed, Scale.SCALE_1);
        assertThat(score.scored()).singleElement().satisfies(s -> {
            assertThat(s.points()).isZero();
            assertThat(s.value()).isEqualTo("72");
            assertThat(s.sources()).containsExactly("Observation/new");
        });
    }

    @Test
    void onScale2AnSpo2WithoutKnowingAboutOxygenIsMissingNotScoredAsAir() {
        List<Observed> observed = List.of(new Observed(Parameter.SPO2, 97.0, NOW, List.of("Observation/s")));
        assertThat(News2.score(observed, Scale.SCALE_2).missing()).contains(Parameter.SPO2);
        assertThat(News2.score(observed, Scale.SCALE_1).missing()).doesNotContain(Parameter.SPO2);
    }

    private static List<Observed> set(
            double rr, double spo2, boolean oxygen, double sbp, double pulse, Consciousness c, double temp) {
        return List.of(
                new Observed(Parameter.RESPIRATION, rr, NOW, List.of("Observation/rr")),
                new Observed(Parameter.SPO2, spo2, NOW, List.of("Observation/spo2")),
                new Observed(Parameter.OXYGEN, oxygen, NOW, List.of("Observation/o2")),
                new Observed(Parameter.SYSTOLIC, sbp, NOW, List.of("Observation/bp")),
                new Observed(Parameter.PULSE, pulse, NOW, List.of("Observation/hr")),
                new Observed(Parameter.CONSCIOUSNESS, c, NOW, List.of("Observation/acvpu")),
                new Observed(Parameter.TEMPERATURE, temp, NOW, List.of("Observation/t")));
    }
}
