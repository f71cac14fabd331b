package io.patienttwin.simulation.model;

/**
 * First-order absorption of oral doses.
 *
 * @param bioavailability the fraction F of the dose that reaches the central compartment (0–1]
 * @param kaPerH the absorption rate constant (1/h)
 * @param lagH the lag time before absorption starts (h)
 */
public record Absorption(double bioavailability, double kaPerH, double lagH) {

    /** No oral input: bolus and infusion regimens. */
    public static final Absorption NONE = new Absorption(1, 1, 0);
}
