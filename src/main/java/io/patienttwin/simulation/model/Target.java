package io.patienttwin.simulation.model;

/**
 * A therapeutic target: the output ({@code concentration}, {@code inr}, {@code sbp}, or
 * {@code auc24PerMic}), its range, and the value a dose suggestion aims for (NaN for none).
 */
public record Target(String output, double low, double high, double aim) {

    public boolean contains(double value) {
        return value >= low && value <= high;
    }
}
