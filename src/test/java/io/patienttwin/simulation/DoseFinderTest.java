package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.DoseFinder;
import io.patienttwin.simulation.model.Grid;
import io.patienttwin.simulation.model.PkPdModel;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.Simulator;
import io.patienttwin.simulation.model.Target;
import io.patienttwin.simulation.model.VancomycinGotiModel;
import io.patienttwin.simulation.model.WarfarinHambergModel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dose suggestions are solved on the simulation and reach their targets. */
class DoseFinderTest {

    @Test
    void vancomycinSuggestionReachesAuc24Of500AndEqualsTheSteadyStateFormula() {
        VancomycinGotiModel model = new VancomycinGotiModel();
        double crcl = 75;
        double weight = 82;
        PkPdModel.Parameters p =
                Simulator.typical(model, new Covariates(Map.of("crcl", crcl, "weight", weight), Map.of()), Map.of());
        double tau = 12;
        Regimen regimen = Regimen.every("vancomycin", Route.IV_INFUSION, 1000, tau)
                .withInfusion(1)
                .withSteadyState(true);
        double[] grid = Grid.of(regimen, 48, 1);
        DoseFinder.Suggestion s = DoseFinder.suggest(model, p, regimen, grid, model.defaultTarget(), 1, 10, 100_000);

        assertThat(s.reachable()).isTrue();
        assertThat(s.achieved()).isCloseTo(500, within(500 * 1e-6));
        // at steady state AUC24 = daily dose / CL, with CL from the Goti covariate equation
        double cl = 4.5 * Math.pow(crcl / 120, 0.8);
        assertThat(s.doseMg()).isCloseTo(500 * cl * tau / 24, within(1e-4 * s.doseMg()));
    }

    @Test
    void warfarinSuggestionReachesInr2Point5AtTheHorizon() {
        WarfarinHambergModel model = new WarfarinHambergModel();
        PkPdModel.Parameters p = Simulator.typical(
                model, new Covariates(Map.of("age", 55.0), Map.of("cyp2c9", "*1/*1", "vkorc1", "G/A")), Map.of());
        Regimen regimen = Regimen.every("warfarin", Route.ORAL, 5, 24);
        double[] grid = Grid.of(regimen, 28 * 24, 24);
        DoseFinder.Suggestion s = DoseFinder.suggest(model, p, regimen, grid, model.defaultTarget(), 0, 0.1, 50);

        assertThat(s.reachable()).isTrue();
        assertThat(s.achieved()).isCloseTo(2.5, within(1e-4));
        double check = Simulator.run(model, p, regimen.withAmount(s.doseMg()), grid, model.defaultTarget(), 0)
                .metrics()
                .finalEffect();
        assertThat(check).isCloseTo(2.5, within(1e-4));
    }

    @Test
    void unreachableTargetIsReportedNotInvented() {
        WarfarinHambergModel model = new WarfarinHambergModel();
        PkPdModel.Parameters p = Simulator.typical(
                model, new Covariates(Map.of("age", 55.0), Map.of("cyp2c9", "*1/*1", "vkorc1", "G/G")), Map.of());
        Regimen regimen = Regimen.every("warfarin", Route.ORAL, 5, 24);
        double[] grid = Grid.of(regimen, 7 * 24, 24);
        DoseFinder.Suggestion s = DoseFinder.suggest(model, p, regimen, grid, new Target("inr", 2, 3, 30), 0, 0.1, 50);

        assertThat(s.reachable()).isFalse();
        assertThat(s.doseMg()).isNaN();
    }
}
