package io.patienttwin.simulation.model;

import io.patienttwin.simulation.model.ModelDefinition.Correlation;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.hipparchus.random.Well19937c;

/**
 * A virtual cohort: N copies of the patient, each with random effects η ~ N(0, Ω) drawn from a seeded
 * Well19937c generator (correlated through the Cholesky factor of Ω where the model declares
 * correlations), simulated on the same regimen; summarised as median and 5th/95th percentile bands
 * and metric percentiles. The same seed gives the same cohort, whatever the regimen, so regimens are
 * compared on the same virtual patients.
 */
public final class Cohort {

    /** Largest cohort a request may ask for. */
    public static final int MAX_SIZE = 5000;

    private Cohort() {}

    /** Median, 5th and 95th percentiles at each output time. */
    public record Band(double[] p5, double[] median, double[] p95) {}

    /**
     * @param concentration the concentration band, or null
     * @param effect the effect band, or null
     * @param metrics p5, median and p95 of each metric by name (cmax, trough, auc24, auc24PerMic, finalEffect)
     * @param attainment fraction of subjects whose target value is in range
     */
    public record Summary(
            int size,
            long seed,
            double[] times,
            Band concentration,
            Band effect,
            Map<String, double[]> metrics,
            double attainment) {}

    /** Draws {@code n} random-effect vectors for the model's variable parameters. */
    public static double[][] sampleEtas(ModelDefinition definition, int n, long seed) {
        List<Parameter> variable = definition.variable();
        int k = variable.size();
        double[][] omega = new double[k][k];
        for (int i = 0; i < k; i++) {
            omega[i][i] = variable.get(i).omegaSquared();
        }
        for (Correlation c : definition.correlations()) {
            int i = indexOf(variable, c.first());
            int j = indexOf(variable, c.second());
            double cov = c.rho() * Math.sqrt(omega[i][i] * omega[j][j]);
            omega[i][j] = cov;
            omega[j][i] = cov;
        }
        double[][] l = cholesky(omega);
        Well19937c random = new Well19937c(seed);
        double[][] etas = new double[n][k];
        double[] z = new double[k];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < k; i++) {
                z[i] = random.nextGaussian();
            }
            for (int i = 0; i < k; i++) {
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    sum += l[i][j] * z[j];
                }
                etas[s][i] = sum;
            }
        }
        return etas;
    }

    public static Summary simulate(
            PkPdModel model,
            Covariates covariates,
            Map<String, Double> overrides,
            Regimen regimen,
            double[] grid,
            int[] outputIndices,
            Target target,
            double mic,
            int n,
            long seed) {
        double[][] etas = sampleEtas(model.definition(), n, seed);
        int m = outputIndices.length;
        double[][] conc = null;
        double[][] effect = null;
        Map<String, double[]> metricValues = new LinkedHashMap<>();
        for (String name : List.of("cmax", "trough", "auc24", "auc24PerMic", "finalEffect", "timeInTarget")) {
            metricValues.put(name, new double[n]);
        }
        Simulator.Run[] runs = new Simulator.Run[n];
        // subjects are independent and their random effects are drawn above, so the parallel run gives
        // the same numbers as a sequential one
        IntStream.range(0, n).parallel().forEach(s -> {
            PkPdModel.Parameters parameters = model.individual(covariates, etas[s], overrides);
            runs[s] = Simulator.run(model, parameters, regimen, grid, target, mic);
        });
        int attained = 0;
        for (int s = 0; s < n; s++) {
            Trajectory t = runs[s].trajectory();
            if (t.concentration() != null) {
                conc = conc == null ? new double[m][n] : conc;
                for (int i = 0; i < m; i++) {
                    conc[i][s] = t.concentration()[outputIndices[i]];
                }
            }
            if (t.effect() != null) {
                effect = effect == null ? new double[m][n] : effect;
                for (int i = 0; i < m; i++) {
                    effect[i][s] = t.effect()[outputIndices[i]];
                }
            }
            Metrics metrics = runs[s].metrics();
            metricValues.get("cmax")[s] = metrics.cmax();
            metricValues.get("trough")[s] = metrics.trough();
            metricValues.get("auc24")[s] = metrics.auc24();
            metricValues.get("auc24PerMic")[s] = metrics.auc24PerMic();
            metricValues.get("finalEffect")[s] = metrics.finalEffect();
            metricValues.get("timeInTarget")[s] = metrics.timeInTarget();
            attained += metrics.attained() ? 1 : 0;
        }
        double[] times = new double[m];
        for (int i = 0; i < m; i++) {
            times[i] = grid[outputIndices[i]];
        }
        Map<String, double[]> percentiles = new LinkedHashMap<>();
        metricValues.forEach((name, values) -> {
            if (Arrays.stream(values).noneMatch(Double::isNaN)) {
                double[] sorted = values.clone();
                Arrays.sort(sorted);
                percentiles.put(name, new double[] {
                    Percentiles.sorted(sorted, 5), Percentiles.sorted(sorted, 50), Percentiles.sorted(sorted, 95)
                });
            }
        });
        return new Summary(
                n,
                seed,
                times,
                band(conc),
                band(effect),
                percentiles,
                target == null ? Double.NaN : (double) attained / n);
    }

    private static Band band(double[][] valuesByTime) {
        if (valuesByTime == null) {
            return null;
        }
        int m = valuesByTime.length;
        double[] p5 = new double[m];
        double[] median = new double[m];
        double[] p95 = new double[m];
        for (int i = 0; i < m; i++) {
            double[] sorted = valuesByTime[i];
            Arrays.sort(sorted);
            p5[i] = Percentiles.sorted(sorted, 5);
            median[i] = Percentiles.sorted(sorted, 50);
            p95[i] = Percentiles.sorted(sorted, 95);
        }
        return new Band(p5, median, p95);
    }

    private static int indexOf(List<Parameter> variable, String name) {
        for (int i = 0; i < variable.size(); i++) {
            if (variable.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no random effect on " + name);
    }

    /** Lower-triangular L with L·Lᵀ = A, for a symmetric positive definite A. */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (sum <= 0) {
                        throw new IllegalArgumentException("covariance matrix is not positive definite");
                    }
                    l[i][i] = Math.sqrt(sum);
                } else {
                    l[i][j] = sum / l[j][j];
                }
            }
        }
        return l;
    }
}
