package io.patienttwin.simulation.model;

import java.util.Map;
import java.util.Optional;

/**
 * The patient facts a model may use, by input name ({@code age}, {@code weight}, {@code crcl},
 * {@code sex}, {@code cyp2c9}, {@code vkorc1}, …): numbers in the units of docs/simulation.md and
 * codes as text. Built from the twin by the simulation service.
 */
public record Covariates(Map<String, Double> numbers, Map<String, String> codes) {

    public Covariates {
        numbers = Map.copyOf(numbers);
        codes = Map.copyOf(codes);
    }

    public Optional<Double> number(String name) {
        return Optional.ofNullable(numbers.get(name));
    }

    public Optional<String> code(String name) {
        return Optional.ofNullable(codes.get(name));
    }

    public boolean has(String name) {
        return numbers.containsKey(name) || codes.containsKey(name);
    }

    /** A number the model requires; the service has checked {@link ModelDefinition#requiredInputs()} first. */
    public double require(String name) {
        Double value = numbers.get(name);
        if (value == null) {
            throw SimulationException.unprocessable("MISSING-INPUT", "the model needs the twin input " + name);
        }
        return value;
    }
}
