package io.patienttwin.twin;

/** Kidney function from serum creatinine. Pure functions. */
public final class RenalFunction {

    private RenalFunction() {}

    /**
     * Cockcroft–Gault creatinine clearance (mL/min): (140 − age) · weight / (72 · SCr) · 0.85 if female
     * (Cockcroft DW, Gault MH. Nephron 1976;16:31-41), with total body weight in kg and SCr in mg/dL.
     */
    public static double cockcroftGault(double ageYears, double weightKg, double creatinineMgDl, boolean female) {
        double clearance = (140 - ageYears) * weightKg / (72 * creatinineMgDl);
        return female ? clearance * 0.85 : clearance;
    }

    /**
     * CKD-EPI 2021 race-free eGFR (mL/min/1.73 m²; Inker LA et al. N Engl J Med 2021;385:1737-1749):
     * 142 · min(SCr/κ, 1)^α · max(SCr/κ, 1)^−1.200 · 0.9938^age · 1.012 if female, κ = 0.7 (F) / 0.9 (M),
     * α = −0.241 (F) / −0.302 (M).
     */
    public static double ckdEpi2021(double ageYears, double creatinineMgDl, boolean female) {
        double kappa = female ? 0.7 : 0.9;
        double alpha = female ? -0.241 : -0.302;
        double ratio = creatinineMgDl / kappa;
        double egfr = 142
                * Math.pow(Math.min(ratio, 1), alpha)
                * Math.pow(Math.max(ratio, 1), -1.200)
                * Math.pow(0.9938, ageYears);
        return female ? egfr * 1.012 : egfr;
    }

    /** Body surface area (m²) by Mosteller: √(height_cm · weight_kg / 3600) (N Engl J Med 1987;317:1098). */
    public static double mostellerBsa(double heightCm, double weightKg) {
        return Math.sqrt(heightCm * weightKg / 3600);
    }

    /** Body-mass index (kg/m²). */
    public static double bmi(double weightKg, double heightCm) {
        double m = heightCm / 100;
        return weightKg / (m * m);
    }
}
