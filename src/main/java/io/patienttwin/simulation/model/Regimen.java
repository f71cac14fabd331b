package io.patienttwin.simulation.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A dosing regimen: a maintenance dose every {@code intervalH} hours from time 0, optionally a
 * different first (loading) dose, dose changes from given times on, and either a fixed number of
 * doses or doses until the horizon. With {@code steadyState}, the maintenance dose is taken to have
 * been given every interval since forever before time 0 (the closed forms sum that history exactly).
 *
 * @param label the name shown in results ("1 g q12h")
 * @param drug the ingredient, lower case ("vancomycin")
 * @param doseCount the number of doses; 0 means every interval until the horizon
 * @param infusionH the infusion duration, for {@link Route#IV_INFUSION}
 * @param loadingDoseMg the first dose when positive; 0 means none
 * @param changes maintenance dose changes, in any order
 * @param absorption oral absorption; {@link Absorption#NONE} for IV routes
 */
public record Regimen(
        String label,
        String drug,
        Route route,
        double amountMg,
        double intervalH,
        int doseCount,
        double infusionH,
        double loadingDoseMg,
        List<DoseChange> changes,
        boolean steadyState,
        Absorption absorption) {

    /** Longest dosing interval accepted (four weeks). */
    public static final double MAX_INTERVAL_H = 24 * 28;

    /** Shortest dosing interval accepted. */
    public static final double MIN_INTERVAL_H = 0.25;

    /** From {@code fromH} on, every maintenance dose is {@code amountMg}. */
    public record DoseChange(double fromH, double amountMg) {}

    public Regimen {
        changes = changes == null
                ? List.of()
                : changes.stream()
                        .sorted(Comparator.comparingDouble(DoseChange::fromH))
                        .toList();
        absorption = absorption == null ? Absorption.NONE : absorption;
    }

    /** A regimen of {@code amountMg} every {@code intervalH} hours until the horizon. */
    public static Regimen every(String drug, Route route, double amountMg, double intervalH) {
        return new Regimen(
                drug + " " + amountMg + " mg q" + intervalH + "h",
                drug,
                route,
                amountMg,
                intervalH,
                0,
                0,
                0,
                List.of(),
                false,
                Absorption.NONE);
    }

    public Regimen withAmount(double newAmountMg) {
        return new Regimen(
                label,
                drug,
                route,
                newAmountMg,
                intervalH,
                doseCount,
                infusionH,
                loadingDoseMg,
                changes,
                steadyState,
                absorption);
    }

    public Regimen withInfusion(double hours) {
        return new Regimen(
                label,
                drug,
                route,
                amountMg,
                intervalH,
                doseCount,
                hours,
                loadingDoseMg,
                changes,
                steadyState,
                absorption);
    }

    public Regimen withAbsorption(Absorption oral) {
        return new Regimen(
                label,
                drug,
                route,
                amountMg,
                intervalH,
                doseCount,
                infusionH,
                loadingDoseMg,
                changes,
                steadyState,
                oral);
    }

    public Regimen withSteadyState(boolean value) {
        return new Regimen(
                label,
                drug,
                route,
                amountMg,
                intervalH,
                doseCount,
                infusionH,
                loadingDoseMg,
                changes,
                value,
                absorption);
    }

    public Regimen withLoadingDose(double mg) {
        return new Regimen(
                label, drug, route, amountMg, intervalH, doseCount, infusionH, mg, changes, steadyState, absorption);
    }

    public Regimen withDoseCount(int count) {
        return new Regimen(
                label,
                drug,
                route,
                amountMg,
                intervalH,
                count,
                infusionH,
                loadingDoseMg,
                changes,
                steadyState,
                absorption);
    }

    public Regimen withChanges(List<DoseChange> newChanges) {
        return new Regimen(
                label,
                drug,
                route,
                amountMg,
                intervalH,
                doseCount,
                infusionH,
                loadingDoseMg,
                newChanges,
                steadyState,
                absorption);
    }

    public Regimen withLabel(String newLabel) {
        return new Regimen(
                newLabel,
                drug,
                route,
                amountMg,
                intervalH,
                doseCount,
                infusionH,
                loadingDoseMg,
                changes,
                steadyState,
                absorption);
    }

    /** Checks the regimen's numbers; throws {@link SimulationException} (400) naming the problem. */
    public void validate() {
        require(
                Double.isFinite(amountMg) && amountMg > 0,
                "DOSE",
                "the dose must be a positive amount, was " + amountMg);
        require(
                Double.isFinite(intervalH) && intervalH >= MIN_INTERVAL_H && intervalH <= MAX_INTERVAL_H,
                "INTERVAL",
                "the interval must be between " + MIN_INTERVAL_H + " h and " + MAX_INTERVAL_H + " h, was " + intervalH);
        require(doseCount >= 0, "COUNT", "the number of doses must not be negative");
        require(
                Double.isFinite(loadingDoseMg) && loadingDoseMg >= 0,
                "DOSE",
                "the loading dose must not be negative, was " + loadingDoseMg);
        for (DoseChange change : changes) {
            require(
                    Double.isFinite(change.amountMg()) && change.amountMg() > 0,
                    "DOSE",
                    "a changed dose must be positive, was " + change.amountMg());
            require(
                    Double.isFinite(change.fromH()) && change.fromH() >= 0,
                    "CHANGE",
                    "a dose change must start at or after time 0");
        }
        if (route == Route.IV_INFUSION) {
            require(
                    Double.isFinite(infusionH) && infusionH > 0 && infusionH <= intervalH,
                    "INFUSION",
                    "an infusion needs a duration greater than 0 and at most the interval, was " + infusionH);
        }
        if (route == Route.ORAL) {
            require(
                    absorption.bioavailability() > 0 && absorption.bioavailability() <= 1,
                    "ORAL",
                    "bioavailability must be in (0, 1]");
            require(absorption.kaPerH() > 0 && Double.isFinite(absorption.kaPerH()), "ORAL", "ka must be positive");
            require(
                    absorption.lagH() >= 0 && absorption.lagH() <= intervalH,
                    "ORAL",
                    "the lag time must be between 0 and the interval");
        }
        require(!(steadyState && loadingDoseMg > 0), "STEADY-STATE", "a loading dose makes no sense at steady state");
    }

    /** The maintenance dose given at time t (before any change, the regimen's amount). */
    public double maintenanceAt(double t) {
        double amount = amountMg;
        for (DoseChange change : changes) {
            if (change.fromH() <= t) {
                amount = change.amountMg();
            }
        }
        return amount;
    }

    /** Every dose given in [0, horizonH), at exact times k × interval. */
    public List<Dose> doses(double horizonH) {
        List<Dose> doses = new ArrayList<>();
        double duration = route == Route.IV_INFUSION ? infusionH : 0;
        for (int k = 0; doseCount == 0 || k < doseCount; k++) {
            double t = k * intervalH;
            if (t >= horizonH) {
                break;
            }
            double amount = k == 0 && loadingDoseMg > 0 ? loadingDoseMg : maintenanceAt(t);
            doses.add(new Dose(t, amount, route, duration));
        }
        return doses;
    }

    /** The dose assumed to have been given every interval before time 0; null without steady state. */
    public Dose steadyStateDose() {
        return steadyState ? new Dose(-intervalH, amountMg, route, route == Route.IV_INFUSION ? infusionH : 0) : null;
    }

    private static void require(boolean condition, String code, String message) {
        if (!condition) {
            throw SimulationException.badRequest(code, message);
        }
    }
}
