package io.patienttwin.twin;

import java.time.Instant;
import java.util.List;

/**
 * One fact of the twin: a number with its UCUM unit, or a code (sex, genotype), when it was true, and
 * the versioned resources it comes from ({@code Observation/7/_history/2}). Derived inputs (BMI, BSA,
 * creatinine clearance, eGFR) name every resource they were computed from and the method.
 *
 * @param number the value, or null for a coded input
 * @param code the coded value, or null for a number
 * @param unit UCUM unit of the number ({@code 1} for dimensionless), null for codes
 * @param time when the value was observed (for derived values, the newest input), or null
 * @param method the equation or conversion applied, or null when taken as reported
 */
public record TwinInput(
        String name, Double number, String code, String unit, Instant time, List<String> sources, String method) {

    public TwinInput {
        sources = List.copyOf(sources);
    }

    public static TwinInput number(
            String name, double value, String unit, Instant time, List<String> sources, String method) {
        return new TwinInput(name, value, null, unit, time, sources, method);
    }

    public static TwinInput code(String name, String code, Instant time, List<String> sources) {
        return new TwinInput(name, null, code, null, time, sources, null);
    }
}
