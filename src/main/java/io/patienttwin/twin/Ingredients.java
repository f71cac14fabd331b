package io.patienttwin.twin;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Normalises medication codes to ingredients with a small table: RxNorm ingredient RxCUIs of the drugs
 * the models and safety rules know, and otherwise the ingredient's name inside the coding's display or
 * the text (so "Warfarin Sodium 5 MG Oral Tablet" is warfarin). Not a full RxNorm lookup
 * (docs/simulation.md).
 */
public final class Ingredients {

    public static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

    static final Map<String, String> BY_RXCUI = Map.ofEntries(
            Map.entry("11289", "warfarin"),
            Map.entry("703", "amiodarone"),
            Map.entry("4450", "fluconazole"),
            Map.entry("6922", "metronidazole"),
            Map.entry("10180", "sulfamethoxazole"),
            Map.entry("1191", "aspirin"),
            Map.entry("11124", "vancomycin"),
            Map.entry("8339", "piperacillin"),
            Map.entry("10627", "tobramycin"),
            Map.entry("6809", "metformin"),
            Map.entry("29046", "lisinopril"),
            Map.entry("17767", "amlodipine"),
            Map.entry("5487", "hydrochlorothiazide"),
            Map.entry("52175", "losartan"),
            Map.entry("6918", "metoprolol"),
            Map.entry("1202", "atenolol"));

    /** Names recognised in displays and text, in addition to the table's. */
    static final java.util.List<String> NAMES = java.util.List.of(
            "warfarin",
            "amiodarone",
            "fluconazole",
            "metronidazole",
            "sulfamethoxazole",
            "aspirin",
            "vancomycin",
            "piperacillin",
            "gentamicin",
            "tobramycin",
            "metformin",
            "lisinopril",
            "ramipril",
            "enalapril",
            "amlodipine",
            "hydrochlorothiazide",
            "chlorthalidone",
            "losartan",
            "metoprolol",
            "atenolol");

    private Ingredients() {}

    /** The ingredient of an RxNorm code or a medication text; empty when not recognised. */
    public static Optional<String> of(String system, String code, String displayOrText) {
        if (RXNORM.equals(system) && code != null && BY_RXCUI.containsKey(code)) {
            return Optional.of(BY_RXCUI.get(code));
        }
        return byName(displayOrText);
    }

    public static Optional<String> byName(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String lower = text.toLowerCase(Locale.ROOT);
        return NAMES.stream().filter(lower::contains).findFirst();
    }
}
