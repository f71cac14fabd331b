package io.patienttwin.simulation.model;

import java.util.Arrays;

/** Empirical percentiles with linear interpolation between order statistics (Hyndman–Fan type 7). */
public final class Percentiles {

    private Percentiles() {}

    /** The p-th percentile (0–100) of the values; sorts a copy. */
    public static double of(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted(sorted, p);
    }

    /** The p-th percentile of already sorted values. */
    public static double sorted(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * p / 100;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
