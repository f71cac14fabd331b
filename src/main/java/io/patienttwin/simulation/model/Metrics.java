package io.patienttwin.simulation.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The summary numbers of one simulated trajectory.
 *
 * @param cmax highest concentration on the grid (mg/L); exact for bolus and infusion peaks, which lie on
 *     grid points; within the 0.25 h grid for oral peaks; NaN without a concentration
 * @param trough concentration just before the last dose in the horizon (mg/L), NaN with a single dose
 * @param auc24 ∫ C over the last 24 h of the horizon (mg·h/L): exact integration of the closed form or
 *     of the ODE; NaN when the horizon is shorter than 24 h or the model has no concentration
 * @param auc24PerMic auc24 / MIC, NaN without MIC
 * @param timeInTarget fraction of the horizon the target output spends in its range, on the linear
 *     interpolant of the grid; NaN for an AUC target
 * @param targetValue the value the target judges: AUC24/MIC, or the output at the horizon
 * @param attained whether targetValue is in the target range
 * @param byDay the effect output at 0, 24, 48 … h (INR by day), empty without an effect
 * @param finalEffect the effect at the horizon, NaN without one
 */
public record Metrics(
        double cmax,
        double trough,
        double auc24,
        double auc24PerMic,
        double timeInTarget,
        double targetValue,
        boolean attained,
        List<Double> byDay,
        double finalEffect) {

    public static Metrics of(Trajectory trajectory, Target target, double mic) {
        double[] times = trajectory.times();
        int last = times.length - 1;
        double horizon = times[last];
        double cmax = Double.NaN;
        if (trajectory.concentration() != null) {
            cmax = Double.NEGATIVE_INFINITY;
            for (double c : trajectory.concentration()) {
                cmax = Math.max(cmax, c);
            }
        }
        double auc24 = Double.NaN;
        if (trajectory.cumulativeAuc() != null && horizon >= 24) {
            auc24 = trajectory.cumulativeAuc()[last] - trajectory.cumulativeAuc()[Grid.indexOf(times, horizon - 24)];
        }
        double perMic = mic > 0 ? auc24 / mic : Double.NaN;
        List<Double> byDay = new ArrayList<>();
        double finalEffect = Double.NaN;
        if (trajectory.effect() != null) {
            for (int day = 0; day * 24.0 <= horizon; day++) {
                byDay.add(trajectory.effect()[Grid.indexOf(times, day * 24.0)]);
            }
            finalEffect = trajectory.effect()[last];
        }
        double inTarget = Double.NaN;
        double value = Double.NaN;
        boolean attained = false;
        if (target != null) {
            double[] series = series(trajectory, target.output());
            if (series != null) {
                inTarget = timeInRange(times, series, target.low(), target.high());
                value = series[last];
            } else if (target.output().equals("auc24PerMic")) {
                value = perMic;
            } else if (target.output().equals("auc24")) {
                value = auc24;
            }
            attained = !Double.isNaN(value) && target.contains(value);
        }
        return new Metrics(
                cmax, trajectory.trough(), auc24, perMic, inTarget, value, attained, List.copyOf(byDay), finalEffect);
    }

    /** The series a target names, or null when it names a summary (AUC). */
    static double[] series(Trajectory trajectory, String output) {
        return switch (output) {
            case "concentration" -> trajectory.concentration();
            case "inr", "sbp", "effect" -> trajectory.effect();
            default -> null;
        };
    }

    /** The fraction of [t0, tn] where the piecewise-linear interpolant of the series lies in [low, high]. */
    static double timeInRange(double[] times, double[] values, double low, double high) {
        double inside = 0;
        for (int i = 0; i + 1 < times.length; i++) {
            double v0 = values[i];
            double v1 = values[i + 1];
            double fraction;
            if (v0 == v1) {
                fraction = v0 >= low && v0 <= high ? 1 : 0;
            } else {
                double a = (low - v0) / (v1 - v0);
                double b = (high - v0) / (v1 - v0);
                fraction = Math.max(0, Math.min(1, Math.max(a, b)) - Math.max(0, Math.min(a, b)));
            }
            inside += fraction * (times[i + 1] - times[i]);
        }
        double span = times[times.length - 1] - times[0];
        return span > 0 ? inside / span : Double.NaN;
    }
}
