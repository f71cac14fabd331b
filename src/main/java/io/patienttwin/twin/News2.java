package io.patienttwin.twin;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The National Early Warning Score 2 (Royal College of Physicians, 2017): Chart 1's sub-score of each of
 * the seven parameters, and Chart 2's aggregate clinical risk. Pure: no I/O.
 *
 * <p>Values finer than the chart (a pulse of 90.5) are rounded half up to the chart's resolution (whole
 * breaths, per cent, mmHg and beats; 0.1 °C) before they are banded. A parameter that was not observed,
 * or not within {@link #WINDOW} of the newest observed one, is missing: the score is then incomplete and
 * its risk is a lower bound (a missing parameter can only add points), never reported as complete.
 * SpO2 Scale 2 (a prescribed target of 88–92%, hypercapnic respiratory failure) is a clinician's decision
 * and is used only when the caller says so.
 */
public final class News2 {

    /** Chart 1's parameters, in its order. */
    public enum Parameter {
        RESPIRATION,
        SPO2,
        OXYGEN,
        SYSTOLIC,
        PULSE,
        CONSCIOUSNESS,
        TEMPERATURE
    }

    /** ACVPU: alert, or new confusion, voice, pain, unresponsive (all of CVPU score 3). */
    public enum Consciousness {
        ALERT,
        CONFUSION,
        VOICE,
        PAIN,
        UNRESPONSIVE
    }

    public enum Scale {
        SCALE_1,
        SCALE_2
    }

    /** Chart 2: the clinical risk of the aggregate score (and of a 3 in any single parameter). */
    public enum Risk {
        LOW,
        LOW_MEDIUM,
        MEDIUM,
        HIGH
    }

    /** Parameters further apart than this from the newest one are not of the same set of observations. */
    public static final Duration WINDOW = Duration.ofHours(1);

    private News2() {}

    // ---- Chart 1 ---------------------------------------------------------------------------------

    public static int respiration(double perMinute) {
        long v = whole(perMinute);
        if (v <= 8) return 3;
        if (v <= 11) return 1;
        if (v <= 20) return 0;
        if (v <= 24) return 2;
        return 3;
    }

    /** SpO2 in per cent; on Scale 1 oxygen does not matter, on Scale 2 it does above 92%. */
    public static int spo2(double percent, Scale scale, boolean onOxygen) {
        long v = whole(percent);
        if (scale == Scale.SCALE_1) {
            if (v <= 91) return 3;
            if (v <= 93) return 2;
            if (v <= 95) return 1;
            return 0;
        }
        if (v <= 83) return 3;
        if (v <= 85) return 2;
        if (v <= 87) return 1;
        if (v <= 92 || !onOxygen) return 0;
        if (v <= 94) return 1;
        if (v <= 96) return 2;
        return 3;
    }

    public static int oxygen(boolean onOxygen) {
        return onOxygen ? 2 : 0;
    }

    public static int systolic(double mmHg) {
        long v = whole(mmHg);
        if (v <= 90) return 3;
        if (v <= 100) return 2;
        if (v <= 110) return 1;
        if (v <= 219) return 0;
        return 3;
    }

    public static int pulse(double perMinute) {
        long v = whole(perMinute);
        if (v <= 40) return 3;
        if (v <= 50) return 1;
        if (v <= 90) return 0;
        if (v <= 110) return 1;
        if (v <= 130) return 2;
        return 3;
    }

    public static int consciousness(Consciousness level) {
        return level == Consciousness.ALERT ? 0 : 3;
    }

    public static int temperature(double celsius) {
        BigDecimal v = BigDecimal.valueOf(celsius).setScale(1, RoundingMode.HALF_UP);
        if (v.compareTo(new BigDecimal("35.0")) <= 0) return 3;
        if (v.compareTo(new BigDecimal("36.0")) <= 0) return 1;
        if (v.compareTo(new BigDecimal("38.0")) <= 0) return 0;
        if (v.compareTo(new BigDecimal("39.0")) <= 0) return 1;
        return 2;
    }

    private static long whole(double value) {
        return BigDecimal.valueOf(value).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    // ---- Chart 2 ---------------------------------------------------------------------------------

    /** Chart 2: 7 or more high; 5–6 medium; a 3 in any single parameter low–medium; else low. */
    public static Risk risk(int total, boolean anyThree) {
        if (total >= 7) return Risk.HIGH;
        if (total >= 5) return Risk.MEDIUM;
        if (anyThree) return Risk.LOW_MEDIUM;
        return Risk.LOW;
    }

    // ---- a score of observed values --------------------------------------------------------------

    /** One scored parameter: what was observed (as shown), when, from which resources, and its points. */
    public record Scored(Parameter parameter, String value, int points, Instant time, List<String> sources) {}

    /**
     * A NEWS2 score.
     *
     * @param complete all seven parameters scored within the window; when false, {@code total} and
     *     {@code risk} are lower bounds
     * @param anyThree a single parameter scored 3 (Chart 2's "red score")
     * @param time the newest observation scored
     */
    public record Score(
            List<Scored> scored,
            List<Parameter> missing,
            int total,
            boolean anyThree,
            Risk risk,
            boolean complete,
            Scale scale,
            Instant time) {

        /** Chart 2's thresholds for an urgent response: an aggregate of 5 or more, or a 3 in one parameter. */
        public boolean triggers() {
            return total >= 5 || anyThree;
        }
    }

    /** An observed value of one parameter. */
    public record Observed(Parameter parameter, Object value, Instant time, List<String> sources) {}

    /**
     * Scores what was observed: the newest value of each parameter, of those within {@link #WINDOW} of the
     * newest of all; parameters not observed, or older, are missing. SpO2 on Scale 2 needs to know about
     * oxygen; without it the SpO2 is missing as well.
     */
    public static Score score(List<Observed> observed, Scale scale) {
        Map<Parameter, Observed> newest = new EnumMap<>(Parameter.class);
        Instant latest = null;
        for (Observed o : observed) {
            Observed known = newest.get(o.parameter());
            if (known == null
                    || (o.time() != null && (known.time() == null || o.time().isAfter(known.time())))) {
                newest.put(o.parameter(), o);
            }
            if (o.time() != null && (latest == null || o.time().isAfter(latest))) {
                latest = o.time();
            }
        }
        Instant since = latest == null ? null : latest.minus(WINDOW);
        newest.values()
                .removeIf(o -> since != null && (o.time() == null || o.time().isBefore(since)));
        Optional<Boolean> onOxygen =
                Optional.ofNullable(newest.get(Parameter.OXYGEN)).map(o -> (Boolean) o.value());
        List<Scored> scored = new ArrayList<>();
        List<Parameter> missing = new ArrayList<>();
        for (Parameter parameter : Parameter.values()) {
            Observed o = newest.get(parameter);
            Integer points = o == null ? null : points(o, scale, onOxygen);
            if (points == null) {
                missing.add(parameter);
            } else {
                scored.add(new Scored(parameter, shown(o), points, o.time(), o.sources()));
            }
        }
        int total = scored.stream().mapToInt(Scored::points).sum();
        boolean anyThree = scored.stream().anyMatch(s -> s.points() == 3);
        return new Score(
                List.copyOf(scored),
                List.copyOf(missing),
                total,
                anyThree,
                risk(total, anyThree),
                missing.isEmpty(),
                scale,
                latest);
    }

    /**
     * The score of a twin's latest vitals, on Scale 1 (the twin does not yet read a prescribed Scale 2):
     * respiratory rate, SpO2, inhaled oxygen flow (above 0 L/min is oxygen, 0 is air), systolic pressure,
     * heart rate, ACVPU and temperature.
     */
    public static Score of(Twin twin) {
        List<Observed> observed = new ArrayList<>();
        for (String name : INPUTS) {
            twin.input(name).flatMap(News2::observed).ifPresent(observed::add);
        }
        return score(observed, Scale.SCALE_1);
    }

    /** The names of the twin inputs NEWS2 scores (see {@link #observed}). */
    public static final List<String> INPUTS =
            List.of("respiratoryRate", "spo2", "sbp", "heartRate", "temperature", "oxygenFlow", "consciousness");

    /**
     * The NEWS2 parameter a twin input is an observation of, or empty when it is none: respiratory rate,
     * SpO2, systolic pressure, heart rate and temperature as numbers, inhaled oxygen flow as oxygen
     * (above 0 L/min) or air (0), and ACVPU by its code.
     */
    public static Optional<Observed> observed(TwinInput input) {
        Parameter parameter =
                switch (input.name()) {
                    case "respiratoryRate" -> Parameter.RESPIRATION;
                    case "spo2" -> Parameter.SPO2;
                    case "sbp" -> Parameter.SYSTOLIC;
                    case "heartRate" -> Parameter.PULSE;
                    case "temperature" -> Parameter.TEMPERATURE;
                    case "oxygenFlow" -> Parameter.OXYGEN;
                    case "consciousness" -> Parameter.CONSCIOUSNESS;
                    default -> null;
                };
        if (parameter == null) {
            return Optional.empty();
        }
        Object value =
                switch (parameter) {
                    case OXYGEN -> input.number() == null ? null : input.number() > 0;
                    case CONSCIOUSNESS -> input.code() == null
                            ? null
                            : Consciousness.valueOf(input.code().toUpperCase(java.util.Locale.ROOT));
                    default -> input.number();
                };
        return value == null
                ? Optional.empty()
                : Optional.of(new Observed(parameter, value, input.time(), input.sources()));
    }

    private static Integer points(Observed o, Scale scale, Optional<Boolean> onOxygen) {
        return switch (o.parameter()) {
            case RESPIRATION -> respiration((Double) o.value());
            case SPO2 -> scale == Scale.SCALE_2 && onOxygen.isEmpty()
                    ? null
                    : spo2((Double) o.value(), scale, onOxygen.orElse(false));
            case OXYGEN -> oxygen((Boolean) o.value());
            case SYSTOLIC -> systolic((Double) o.value());
            case PULSE -> pulse((Double) o.value());
            case CONSCIOUSNESS -> consciousness((Consciousness) o.value());
            case TEMPERATURE -> temperature((Double) o.value());
        };
    }

    private static String shown(Observed o) {
        return switch (o.parameter()) {
            case OXYGEN -> Boolean.TRUE.equals(o.value()) ? "oxygen" : "air";
            case CONSCIOUSNESS -> ((Consciousness) o.value()).name().toLowerCase(java.util.Locale.ROOT);
            default -> BigDecimal.valueOf((Double) o.value())
                    .stripTrailingZeros()
                    .toPlainString();
        };
    }
}
