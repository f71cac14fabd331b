package io.patienttwin.simulation.model;

import java.util.TreeSet;

/**
 * The time grid of a simulation: every {@link #STEP_H} hours, every dose and infusion end (so peaks of
 * bolus and infusion doses and troughs are exact), whole days (INR by day) and horizon − 24 h (AUC24).
 */
public final class Grid {

    /** Resolution of the grid for maxima, time in target and series. */
    public static final double STEP_H = 0.25;

    private Grid() {}

    public static double[] of(Regimen regimen, double horizonH, double outputStepH) {
        return of(regimen, horizonH, outputStepH, STEP_H);
    }

    /** A grid with another resolution (cohorts use 1 h: see docs/simulation.md). */
    public static double[] of(Regimen regimen, double horizonH, double outputStepH, double resolutionH) {
        TreeSet<Double> times = new TreeSet<>();
        long steps = (long) Math.floor(horizonH / resolutionH + 1e-9);
        for (long i = 0; i <= steps; i++) {
            times.add(i * resolutionH);
        }
        long outputs = (long) Math.floor(horizonH / outputStepH + 1e-9);
        for (long i = 0; i <= outputs; i++) {
            times.add(i * outputStepH);
        }
        for (int day = 0; day * 24.0 <= horizonH; day++) {
            times.add(day * 24.0);
        }
        if (horizonH >= 24) {
            times.add(horizonH - 24);
        }
        for (Dose dose : regimen.doses(horizonH)) {
            times.add(dose.timeH());
            double lag = regimen.route() == Route.ORAL ? regimen.absorption().lagH() : 0;
            if (dose.timeH() + lag <= horizonH) {
                times.add(dose.timeH() + lag);
            }
            if (dose.durationH() > 0 && dose.timeH() + dose.durationH() <= horizonH) {
                times.add(dose.timeH() + dose.durationH());
            }
        }
        times.add(horizonH);
        double[] result = new double[times.size()];
        int i = 0;
        for (double t : times) {
            result[i++] = t;
        }
        return result;
    }

    /** The indices of the output times 0, step, 2·step … ≤ horizon in a grid built with that step. */
    public static int[] outputIndices(double[] grid, double outputStepH) {
        double horizon = grid[grid.length - 1];
        long outputs = (long) Math.floor(horizon / outputStepH + 1e-9);
        int[] indices = new int[(int) outputs + 1];
        for (int i = 0; i <= outputs; i++) {
            indices[i] = indexOf(grid, i * outputStepH);
        }
        return indices;
    }

    /** Index of t in a grid (exact match expected), or −1. */
    public static int indexOf(double[] grid, double t) {
        int i = java.util.Arrays.binarySearch(grid, t);
        return i >= 0 ? i : -1;
    }
}
