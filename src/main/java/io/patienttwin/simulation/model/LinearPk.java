package io.patienttwin.simulation.model;

import java.util.List;

/**
 * Closed-form concentrations and exact AUCs of linear mammillary models (one or two compartments,
 * first-order elimination from the central compartment) by superposition of single-dose solutions.
 *
 * <p>The model is held as its unit impulse response in the central compartment,
 * {@code C(t) = Σ A_i e^(−λ_i t)} per mg given as a bolus; bolus, zero-order infusion and first-order
 * oral input (with bioavailability and lag) are the analytic convolutions of that response, and the
 * AUC is the analytic integral of each. A steady-state history (the same dose every interval since
 * forever before time 0) is summed as a geometric series. Immutable and thread-safe.
 */
public final class LinearPk {

    /** Below this relative gap between ka and an exponent, the oral solution uses the ka = λ limit. */
    private static final double DEGENERATE = 1e-9;

    private final double[] coefficients;
    private final double[] exponents;

    private LinearPk(double[] coefficients, double[] exponents) {
        this.coefficients = coefficients;
        this.exponents = exponents;
    }

    /** One compartment: clearance CL (L/h) and volume V (L); C = D/V · e^(−CL/V · t). */
    public static LinearPk oneCompartment(double clearanceLPerH, double volumeL) {
        return new LinearPk(new double[] {1 / volumeL}, new double[] {clearanceLPerH / volumeL});
    }

    /**
     * Two compartments: CL and Q (L/h), V1 and V2 (L). With k10 = CL/V1, k12 = Q/V1, k21 = Q/V2 the
     * exponents α, β are the roots of λ² − (k10+k12+k21)λ + k10·k21, and the unit bolus response is
     * ((α−k21) e^(−αt) + (k21−β) e^(−βt)) / (V1 (α−β)).
     */
    public static LinearPk twoCompartment(double clearanceLPerH, double v1L, double qLPerH, double v2L) {
        double k10 = clearanceLPerH / v1L;
        double k12 = qLPerH / v1L;
        double k21 = qLPerH / v2L;
        double sum = k10 + k12 + k21;
        double root = Math.sqrt(sum * sum - 4 * k10 * k21);
        double alpha = (sum + root) / 2;
        double beta = k10 * k21 / alpha; // product of the roots; avoids cancellation in (sum − root)/2
        return new LinearPk(
                new double[] {(alpha - k21) / (v1L * (alpha - beta)), (k21 - beta) / (v1L * (alpha - beta))},
                new double[] {alpha, beta});
    }

    /** The exponents λ_i (1/h), slowest last for two compartments. */
    public double[] exponents() {
        return exponents.clone();
    }

    /** Concentration (mg/L) at time t, counting every dose given at or before t (right-continuous). */
    public double concentration(List<Dose> doses, Dose steadyState, Absorption oral, double intervalH, double t) {
        double c = 0;
        for (Dose dose : doses) {
            if (dose.timeH() <= t) {
                c += value(dose, oral, t - dose.timeH());
            }
        }
        if (steadyState != null) {
            c += history(steadyState, oral, intervalH, t, false);
        }
        return c;
    }

    /** Concentration just before time t: doses given exactly at t are not counted (a trough). */
    public double concentrationBefore(List<Dose> doses, Dose steadyState, Absorption oral, double intervalH, double t) {
        double c = 0;
        for (Dose dose : doses) {
            if (dose.timeH() < t) {
                c += value(dose, oral, t - dose.timeH());
            }
        }
        if (steadyState != null) {
            c += history(steadyState, oral, intervalH, t, false);
        }
        return c;
    }

    /** ∫₀ᵗ C(u) du (mg·h/L), integrated analytically. */
    public double cumulativeAuc(List<Dose> doses, Dose steadyState, Absorption oral, double intervalH, double t) {
        double auc = 0;
        for (Dose dose : doses) {
            if (dose.timeH() < t) {
                auc += integral(dose, oral, t - dose.timeH());
            }
        }
        if (steadyState != null) {
            auc += history(steadyState, oral, intervalH, t, true);
        }
        return auc;
    }

    private double value(Dose dose, Absorption oral, double s) {
        double c = 0;
        for (int i = 0; i < exponents.length; i++) {
            double a = coefficients[i];
            double l = exponents[i];
            switch (dose.route()) {
                case IV_BOLUS -> c += a * dose.amountMg() * Math.exp(-l * s);
                case IV_INFUSION -> {
                    double rate = dose.amountMg() / dose.durationH();
                    c += s <= dose.durationH()
                            ? a * rate * -Math.expm1(-l * s) / l
                            : a * rate / l * (Math.exp(-l * (s - dose.durationH())) - Math.exp(-l * s));
                }
                case ORAL -> {
                    double sl = s - oral.lagH();
                    if (sl > 0) {
                        double d = oral.bioavailability() * dose.amountMg();
                        double ka = oral.kaPerH();
                        c += Math.abs(ka - l) <= DEGENERATE * ka
                                ? a * d * ka * sl * Math.exp(-ka * sl)
                                : a * d * ka / (ka - l) * (Math.exp(-l * sl) - Math.exp(-ka * sl));
                    }
                }
            }
        }
        return c;
    }

    private double integral(Dose dose, Absorption oral, double s) {
        double auc = 0;
        for (int i = 0; i < exponents.length; i++) {
            double a = coefficients[i];
            double l = exponents[i];
            switch (dose.route()) {
                case IV_BOLUS -> auc += a * dose.amountMg() * -Math.expm1(-l * s) / l;
                case IV_INFUSION -> {
                    double rate = dose.amountMg() / dose.durationH();
                    double tInf = dose.durationH();
                    if (s <= tInf) {
                        auc += a * rate / l * (s + Math.expm1(-l * s) / l);
                    } else {
                        auc += a * rate / l * (tInf + Math.expm1(-l * tInf) / l);
                        auc += a
                                * rate
                                / l
                                * (-Math.expm1(-l * (s - tInf)) / l - (Math.exp(-l * tInf) - Math.exp(-l * s)) / l);
                    }
                }
                case ORAL -> {
                    double sl = s - oral.lagH();
                    if (sl > 0) {
                        double d = oral.bioavailability() * dose.amountMg();
                        double ka = oral.kaPerH();
                        auc += Math.abs(ka - l) <= DEGENERATE * ka
                                ? a * d * ka * (1 - Math.exp(-ka * sl) * (1 + ka * sl)) / (ka * ka)
                                : a * d * ka / (ka - l) * (-Math.expm1(-l * sl) / l + Math.expm1(-ka * sl) / ka);
                    }
                }
            }
        }
        return auc;
    }

    /**
     * The doses given every interval before time 0, summed exactly for t ≥ 0: each contributes only its
     * exponential tail there (the interval is at least the infusion duration and the lag), and
     * Σₙ≥₁ e^(−μ(t+nτ)) = e^(−μt) · e^(−μτ)/(1 − e^(−μτ)). With {@code integrate}, ∫₀ᵗ of that sum.
     */
    private double history(Dose dose, Absorption oral, double tau, double t, boolean integrate) {
        double total = 0;
        for (int i = 0; i < exponents.length; i++) {
            double a = coefficients[i];
            double l = exponents[i];
            switch (dose.route()) {
                case IV_BOLUS -> total += a * dose.amountMg() * tail(l, tau, t, integrate);
                case IV_INFUSION -> {
                    double rate = dose.amountMg() / dose.durationH();
                    // a·R/λ·(e^(λT) − 1)·e^(−λs) for s ≥ T; e^(λT) folded into the series ratio for stability
                    double ratio =
                            (Math.exp(-l * (tau - dose.durationH())) - Math.exp(-l * tau)) / -Math.expm1(-l * tau);
                    double shape = integrate ? -Math.expm1(-l * t) / l : Math.exp(-l * t);
                    total += a * rate / l * ratio * shape;
                }
                case ORAL -> {
                    double d = oral.bioavailability() * dose.amountMg();
                    double ka = oral.kaPerH();
                    if (Math.abs(ka - l) <= DEGENERATE * ka) {
                        ka = ka * (1 + 1e-7); // the geometric sum of t·e^(−kt) terms; documented in simulation.md
                    }
                    double lag = oral.lagH();
                    total += a
                            * d
                            * ka
                            / (ka - l)
                            * (Math.exp(l * lag) * tail(l, tau, t, integrate)
                                    - Math.exp(ka * lag) * tail(ka, tau, t, integrate));
                }
            }
        }
        return total;
    }

    /** Σₙ≥₁ e^(−μ(t+nτ)), or its integral over [0, t]. */
    private static double tail(double mu, double tau, double t, boolean integrate) {
        double ratio = Math.exp(-mu * tau) / -Math.expm1(-mu * tau);
        return ratio * (integrate ? -Math.expm1(-mu * t) / mu : Math.exp(-mu * t));
    }
}
