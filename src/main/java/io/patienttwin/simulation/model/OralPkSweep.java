package io.patienttwin.simulation.model;

import java.util.List;

/**
 * The closed-form one-compartment oral model (no lag) as a running sum: between two doses the
 * superposed concentration is P·e^(−k·s) + Q·e^(−ka·s), s the time since the last dose, and each dose of
 * F·D adds F·D·ka/(V(ka−k)) to P and subtracts it from Q. Equal to {@link LinearPk} (tested) at two
 * exponentials per evaluation instead of two per dose. Mutable: one instance per simulated subject.
 */
final class OralPkSweep {

    private final double k;
    private final double ka;
    private final double perMg;
    private double p;
    private double q;
    private double since;

    /** @param bioavailability F; {@code ka} must differ from CL/V (the caller nudges the degenerate case) */
    OralPkSweep(double clearance, double volume, double ka, double bioavailability) {
        this.k = clearance / volume;
        this.ka = Math.abs(ka - k) <= 1e-9 * ka ? ka * (1 + 1e-7) : ka;
        this.perMg = bioavailability * this.ka / (volume * (this.ka - k));
    }

    /** Adds a dose given at time t (doses must come in time order). */
    void dose(double t, double amountMg) {
        moveTo(t);
        p += perMg * amountMg;
        q -= perMg * amountMg;
    }

    /** Concentration at time t ≥ the last dose. */
    double concentration(double t) {
        double s = t - since;
        return Math.max(p * Math.exp(-k * s) + q * Math.exp(-ka * s), 0);
    }

    /** ∫ C from the last dose to t. */
    double aucSinceLastDose(double t) {
        double s = t - since;
        return p * -Math.expm1(-k * s) / k + q * -Math.expm1(-ka * s) / ka;
    }

    private void moveTo(double t) {
        double s = t - since;
        p *= Math.exp(-k * s);
        q *= Math.exp(-ka * s);
        since = t;
    }

    /**
     * Concentration, cumulative AUC and the trough before the last dose over a sorted grid, in one pass.
     *
     * @return {concentration[], auc[], {trough}} — trough NaN with fewer than two doses
     */
    static double[][] sweep(OralPkSweep pk, List<Dose> doses, double[] times) {
        double[] c = new double[times.length];
        double[] auc = new double[times.length];
        double trough = Double.NaN;
        double aucAtLastDose = 0;
        int next = 0;
        for (int i = 0; i < times.length; i++) {
            while (next < doses.size() && doses.get(next).timeH() <= times[i]) {
                Dose dose = doses.get(next);
                if (next == doses.size() - 1 && next > 0) {
                    trough = pk.concentration(dose.timeH());
                }
                aucAtLastDose += pk.aucSinceLastDose(dose.timeH());
                pk.dose(dose.timeH(), dose.amountMg());
                next++;
            }
            c[i] = pk.concentration(times[i]);
            auc[i] = aucAtLastDose + pk.aucSinceLastDose(times[i]);
        }
        return new double[][] {c, auc, {trough}};
    }
}
