package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.patienttwin.simulation.model.Cohort;
import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.Grid;
import io.patienttwin.simulation.model.ModelDefinition;
import io.patienttwin.simulation.model.ModelDefinition.Correlation;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import io.patienttwin.simulation.model.Percentiles;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.VancomycinGotiModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Virtual cohorts: seeded, log-normal, correlated when declared, summarised by percentiles. */
class CohortTest {

    private static final VancomycinGotiModel MODEL = new VancomycinGotiModel();
    private static final Covariates PATIENT = new Covariates(Map.of("crcl", 90.0, "weight", 75.0), Map.of());
    private static final Regimen REGIMEN =
            Regimen.every("vancomycin", Route.IV_INFUSION, 1250, 12).withInfusion(1.5);

    private static Cohort.Summary run(long seed, int n) {
        return run(REGIMEN, seed, n);
    }

    private static Cohort.Summary run(Regimen regimen, long seed, int n) {
        double[] grid = Grid.of(regimen, 48, 2, 1);
        return Cohort.simulate(
                MODEL,
                PATIENT,
                Map.of(),
                regimen,
                grid,
                Grid.outputIndices(grid, 2),
                MODEL.defaultTarget(),
                1,
                n,
                seed);
    }

    @Test
    void sameSeedGivesIdenticalBandsAndMetrics() {
        Cohort.Summary a = run(7, 300);
        Cohort.Summary b = run(7, 300);
        assertThat(a.concentration().median()).containsExactly(b.concentration().median());
        assertThat(a.concentration().p5()).containsExactly(b.concentration().p5());
        assertThat(a.concentration().p95()).containsExactly(b.concentration().p95());
        assertThat(a.metrics().get("auc24")).containsExactly(b.metrics().get("auc24"));
        assertThat(a.attainment()).isEqualTo(b.attainment());
    }

    @Test
    void anotherSeedGivesAnotherCohort() {
        assertThat(run(7, 300).metrics().get("auc24"))
                .isNotEqualTo(run(8, 300).metrics().get("auc24"));
    }

    @Test
    void bandsAreOrderedAndAucSpreadFollowsTheClearanceVariability() {
        Cohort.Summary summary = run(REGIMEN.withSteadyState(true), 11, 2000);
        for (int i = 0; i < summary.times().length; i++) {
            assertThat(summary.concentration().p5()[i])
                    .isLessThanOrEqualTo(summary.concentration().median()[i]);
            assertThat(summary.concentration().median()[i])
                    .isLessThanOrEqualTo(summary.concentration().p95()[i]);
        }
        double[] auc = summary.metrics().get("auc24");
        // at steady state AUC24 = daily dose / CL, and CL is log-normal with ω² 0.147:
        // log(p95/p5) = 2·1.645·ω, up to sampling error with 2000 subjects
        double spread = Math.log(auc[2] / auc[0]);
        assertThat(spread).isCloseTo(2 * 1.645 * Math.sqrt(0.147), within(0.08));
    }

    @Test
    void correlatedRandomEffectsHaveTheDeclaredCorrelationAndVariances() {
        ModelDefinition definition = new ModelDefinition(
                "test",
                "1",
                "test",
                "none",
                List.of(new Parameter("cl", 1, "L/h", 0.09, ""), new Parameter("v", 1, "L", 0.04, "")),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(new Correlation("cl", "v", 0.6)));
        double[][] etas = Cohort.sampleEtas(definition, 40_000, 3);
        double sxx = 0, syy = 0, sxy = 0;
        for (double[] eta : etas) {
            sxx += eta[0] * eta[0];
            syy += eta[1] * eta[1];
            sxy += eta[0] * eta[1];
        }
        int n = etas.length;
        assertThat(sxx / n).isCloseTo(0.09, within(0.09 * 0.05));
        assertThat(syy / n).isCloseTo(0.04, within(0.04 * 0.05));
        assertThat(sxy / Math.sqrt(sxx * syy)).isCloseTo(0.6, within(0.02));
    }

    @Test
    void percentilesInterpolateBetweenOrderStatistics() {
        double[] values = {5, 1, 4, 2, 3};
        assertThat(Percentiles.of(values, 50)).isEqualTo(3);
        assertThat(Percentiles.of(values, 5)).isCloseTo(1.2, within(1e-12));
        assertThat(Percentiles.of(values, 95)).isCloseTo(4.8, within(1e-12));
    }
}
