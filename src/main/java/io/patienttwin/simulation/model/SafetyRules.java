package io.patienttwin.simulation.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Safety checks of a regimen against the patient and the simulated result: renal thresholds, allergy
 * conflicts, a small interaction table, and exposures beyond published safety limits. Each warning
 * names its source. A small, deliberately incomplete rule set (docs/simulation.md), not a
 * drug-interaction database.
 */
public final class SafetyRules {

    private static final String HOLBROOK_2005 = "Holbrook AM, Pereira JA, Labiris R, et al. Systematic overview of"
            + " warfarin and its drug and food interactions. Arch Intern Med 2005;165(10):1095-1106";
    private static final String RYBAK_2020 = "Rybak MJ, Le J, Lodise TP, et al. Therapeutic monitoring of vancomycin"
            + " for serious MRSA infections: a revised consensus guideline. Am J Health Syst Pharm 2020;77(11):835-864";
    private static final String VANCOMYCIN_LABEL =
            "Vancomycin Injection, USP prescribing information (FDA), sections 2 (renal impairment) and 5.2"
                    + " (nephrotoxicity)";

    /** Ingredient pairs: drug → (other ingredient → what happens). */
    static final Map<String, Map<String, String>> INTERACTIONS = Map.of(
            "warfarin",
            Map.of(
                    "amiodarone", "amiodarone inhibits CYP2C9 and raises the INR; warfarin dose usually reduced",
                    "fluconazole", "fluconazole inhibits CYP2C9 and raises the INR markedly",
                    "metronidazole", "metronidazole inhibits S-warfarin metabolism and raises the INR",
                    "sulfamethoxazole", "co-trimoxazole inhibits CYP2C9 and raises the INR",
                    "aspirin", "aspirin adds antiplatelet effect: higher bleeding risk at the same INR"),
            "vancomycin",
            Map.of(
                    "gentamicin", "aminoglycosides add nephrotoxicity",
                    "tobramycin", "aminoglycosides add nephrotoxicity",
                    "piperacillin",
                            "vancomycin with piperacillin-tazobactam is associated with more acute kidney"
                                    + " injury"));

    private SafetyRules() {}

    /**
     * @param activeIngredients the patient's active medications, as ingredients
     * @param allergies allergy substances as lower-case text or ingredient, each with its resource reference
     */
    public static List<Warning> check(
            String drug,
            Covariates covariates,
            List<String> activeIngredients,
            Map<String, String> allergies,
            Metrics metrics) {
        List<Warning> warnings = new ArrayList<>();
        String d = drug.toLowerCase(Locale.ROOT);
        allergies.forEach((substance, reference) -> {
            if (substance.toLowerCase(Locale.ROOT).contains(d)) {
                warnings.add(new Warning(
                        "PT-SIM-WARN-ALLERGY",
                        "high",
                        "the patient has a recorded allergy or intolerance to " + substance,
                        reference));
            }
        });
        Map<String, String> table = INTERACTIONS.getOrDefault(d, Map.of());
        for (String other : activeIngredients) {
            String effect = table.get(other.toLowerCase(Locale.ROOT));
            if (effect != null) {
                warnings.add(new Warning(
                        "PT-SIM-WARN-INTERACTION",
                        "high",
                        d + " with active " + other + ": " + effect,
                        d.equals("warfarin") ? HOLBROOK_2005 : VANCOMYCIN_LABEL));
            }
        }
        double crcl = covariates.number("crcl").orElse(Double.NaN);
        if (d.equals("vancomycin") && crcl < 50) {
            warnings.add(new Warning(
                    "PT-SIM-WARN-RENAL",
                    crcl < 30 ? "high" : "moderate",
                    String.format(
                            Locale.ROOT,
                            "creatinine clearance %.0f mL/min: reduce the dose or extend the interval and monitor"
                                    + " levels",
                            crcl),
                    VANCOMYCIN_LABEL));
        }
        if (d.equals("metformin") && covariates.number("egfr").orElse(Double.NaN) < 30) {
            warnings.add(new Warning(
                    "PT-SIM-WARN-RENAL",
                    "high",
                    "metformin is contraindicated below eGFR 30 mL/min/1.73m2",
                    "FDA Drug Safety Communication, 8 April 2016: metformin in patients with reduced kidney function"));
        }
        if (metrics != null && d.equals("vancomycin") && metrics.auc24PerMic() > 600) {
            warnings.add(new Warning(
                    "PT-SIM-WARN-EXPOSURE",
                    "high",
                    String.format(
                            Locale.ROOT,
                            "simulated AUC24/MIC %.0f exceeds 600: nephrotoxicity risk rises",
                            metrics.auc24PerMic()),
                    RYBAK_2020));
        }
        if (metrics != null && d.equals("warfarin")) {
            double max = metrics.byDay().stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElse(0);
            if (max > 4) {
                warnings.add(new Warning(
                        "PT-SIM-WARN-EXPOSURE",
                        "high",
                        String.format(Locale.ROOT, "simulated INR reaches %.1f (above 4): bleeding risk rises", max),
                        "Holbrook A, et al. Evidence-based management of anticoagulant therapy. Chest"
                                + " 2012;141(2 Suppl):e152S-e184S"));
            }
        }
        return warnings;
    }
}
