package io.patienttwin.simulation.model;

/**
 * One simulated subject on one regimen, at the grid times.
 *
 * @param concentration central concentration (mg/L), or null for a model without one
 * @param effect the effect output (INR, systolic pressure), or null for a PK-only model
 * @param cumulativeAuc ∫₀ᵗ C (mg·h/L) at each time, exact (closed form) or integrated with the ODE
 * @param trough concentration just before the last dose within the horizon (mg/L), NaN without one
 */
public record Trajectory(
        double[] times, double[] concentration, double[] effect, double[] cumulativeAuc, double trough) {}
