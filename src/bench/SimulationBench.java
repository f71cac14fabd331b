import io.patienttwin.simulation.model.Cohort;
import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.Grid;
import io.patienttwin.simulation.model.ModelRegistry;
import io.patienttwin.simulation.model.PkPdModel;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.Simulator;
import java.util.Arrays;
import java.util.Map;

/**
 * The simulation benchmarks of docs/benchmarks.md: a 28-day single-patient warfarin simulation (Hamberg
 * model, adaptive ODE, 0.25 h grid, 4 h output) and a 1,000-subject virtual cohort of the same regimen
 * (1 h grid, both cores), timed in-process after a warm-up, exactly as {@code $simulate} runs them
 * (without HTTP and the twin's reads).
 *
 * <pre>
 * HIP=$(ls ~/.m2/repository/org/hipparchus/hipparchus-{core,ode}/4.0.2/*.jar | paste -sd:)
 * javac -d /tmp/sim-classes -cp "$HIP" src/main/java/io/patienttwin/simulation/model/*.java
 * java -cp "/tmp/sim-classes:$HIP" src/bench/SimulationBench.java
 * </pre>
 *
 * Prints the first (cold) run and the median, p90 and max of the warm runs.
 */
public class SimulationBench {

    public static void main(String[] args) {
        PkPdModel model = ModelRegistry.standard().require("warfarin-hamberg-2010");
        Covariates patient = new Covariates(Map.of("age", 65.0), Map.of("cyp2c9", "*1/*2", "vkorc1", "G/A"));
        Regimen regimen = Regimen.every("warfarin", Route.ORAL, 5, 24);
        double horizon = 28 * 24;
        PkPdModel.Parameters typical = Simulator.typical(model, patient, Map.of());

        double[] grid = Grid.of(regimen, horizon, 4);
        long start = System.nanoTime();
        Simulator.run(model, typical, regimen, grid, model.defaultTarget(), 0);
        double coldSingle = (System.nanoTime() - start) / 1e6;
        for (int i = 0; i < 500; i++) {
            Simulator.run(model, typical, regimen, Grid.of(regimen, horizon, 4), model.defaultTarget(), 0);
        }
        double[] single = new double[300];
        for (int i = 0; i < single.length; i++) {
            long t0 = System.nanoTime();
            double[] g = Grid.of(regimen, horizon, 4);
            Simulator.run(model, typical, regimen, g, model.defaultTarget(), 0);
            single[i] = (System.nanoTime() - t0) / 1e6;
        }
        report("single patient, warfarin 5 mg/day, 28 days (ms)", coldSingle, single);

        double[] cohortGrid = Grid.of(regimen, horizon, 4, 1);
        int[] outputs = Grid.outputIndices(cohortGrid, 4);
        start = System.nanoTime();
        Cohort.simulate(model, patient, Map.of(), regimen, cohortGrid, outputs, model.defaultTarget(), 0, 1000, 42);
        double coldCohort = (System.nanoTime() - start) / 1e6;
        for (int i = 0; i < 3; i++) {
            Cohort.simulate(model, patient, Map.of(), regimen, cohortGrid, outputs, model.defaultTarget(), 0, 1000, 42);
        }
        double[] cohort = new double[10];
        Cohort.Summary last = null;
        for (int i = 0; i < cohort.length; i++) {
            long t0 = System.nanoTime();
            last = Cohort.simulate(
                    model, patient, Map.of(), regimen, cohortGrid, outputs, model.defaultTarget(), 0, 1000, 42);
            cohort[i] = (System.nanoTime() - t0) / 1e6;
        }
        report("cohort of 1,000, same regimen (ms)", coldCohort, cohort);
        System.out.printf(
                "cohort INR at day 28: p5 %.2f, median %.2f, p95 %.2f; attainment (INR 2-3) %.3f%n",
                last.metrics().get("finalEffect")[0],
                last.metrics().get("finalEffect")[1],
                last.metrics().get("finalEffect")[2],
                last.attainment());
        System.out.printf(
                "cores available: %d, java %s%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
    }

    private static void report(String what, double cold, double[] warm) {
        double[] sorted = warm.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "%s: cold %.1f, warm median %.2f, p90 %.2f, max %.2f (n=%d)%n",
                what,
                cold,
                sorted[sorted.length / 2],
                sorted[(int) Math.floor(sorted.length * 0.9)],
                sorted[sorted.length - 1],
                sorted.length);
    }
}
