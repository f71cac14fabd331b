package io.patienttwin.twin;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Unit conversions of the twin's inputs into its canonical UCUM units. Unknown units give an empty
 * result: the value is not used rather than guessed.
 */
public final class Units {

    /** Creatinine molar mass factor: 1 mg/dL = 88.42 µmol/L. */
    public static final double CREATININE_UMOL_PER_MG_DL = 88.42;

    /** Glucose: 1 mmol/L = 18.016 mg/dL (molar mass 180.16 g/mol). */
    public static final double GLUCOSE_MG_DL_PER_MMOL_L = 18.016;

    private Units() {}

    /** Creatinine in mg/dL from mg/dL, µmol/L (umol/L) or mmol/L. */
    public static OptionalDouble creatinineMgDl(double value, String unit) {
        return switch (norm(unit)) {
            case "mg/dl" -> OptionalDouble.of(value);
            case "umol/l", "µmol/l", "μmol/l" -> OptionalDouble.of(value / CREATININE_UMOL_PER_MG_DL);
            case "mmol/l" -> OptionalDouble.of(value * 1000 / CREATININE_UMOL_PER_MG_DL);
            default -> OptionalDouble.empty();
        };
    }

    /** Body weight in kg from kg, g or [lb_av]. */
    public static OptionalDouble weightKg(double value, String unit) {
        return switch (norm(unit)) {
            case "kg" -> OptionalDouble.of(value);
            case "g" -> OptionalDouble.of(value / 1000);
            case "[lb_av]", "lb", "lbs" -> OptionalDouble.of(value * 0.45359237);
            default -> OptionalDouble.empty();
        };
    }

    /** Body height in cm from cm, m or [in_i]. */
    public static OptionalDouble heightCm(double value, String unit) {
        return switch (norm(unit)) {
            case "cm" -> OptionalDouble.of(value);
            case "m" -> OptionalDouble.of(value * 100);
            case "[in_i]", "in" -> OptionalDouble.of(value * 2.54);
            default -> OptionalDouble.empty();
        };
    }

    /** Glucose in mg/dL from mg/dL or mmol/L. */
    public static OptionalDouble glucoseMgDl(double value, String unit) {
        return switch (norm(unit)) {
            case "mg/dl" -> OptionalDouble.of(value);
            case "mmol/l" -> OptionalDouble.of(value * GLUCOSE_MG_DL_PER_MMOL_L);
            default -> OptionalDouble.empty();
        };
    }

    /** HbA1c in % (NGSP) from % or mmol/mol (IFCC): % = 0.09148 · mmol/mol + 2.152. */
    public static OptionalDouble hba1cPercent(double value, String unit) {
        return switch (norm(unit)) {
            case "%" -> OptionalDouble.of(value);
            case "mmol/mol" -> OptionalDouble.of(0.09148 * value + 2.152);
            default -> OptionalDouble.empty();
        };
    }

    /** Body temperature in degrees Celsius, from Cel or [degF]. */
    public static OptionalDouble temperatureCelsius(double value, String unit) {
        String u = norm(unit);
        if (u.equals("cel") || u.equals("°c")) {
            return OptionalDouble.of(value);
        }
        if (u.equals("[degf]") || u.equals("°f")) {
            return OptionalDouble.of((value - 32) * 5 / 9);
        }
        return OptionalDouble.empty();
    }

    /** Values already in the one unit accepted (mm[Hg], kg/m2, mL/min/{1.73_m2}, INR). */
    public static OptionalDouble same(double value, String unit, String... accepted) {
        String u = norm(unit);
        for (String a : accepted) {
            if (u.equals(norm(a))) {
                return OptionalDouble.of(value);
            }
        }
        return OptionalDouble.empty();
    }

    private static String norm(String unit) {
        return unit == null ? "" : unit.trim().toLowerCase(Locale.ROOT);
    }
}
