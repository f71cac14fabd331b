package io.patienttwin.simulation;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.fhir.CurrentReader;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.fhir.ResourceService;
import io.patienttwin.fhir.TwinOperations;
import io.patienttwin.fhir.store.WriteOutcome;
import io.patienttwin.policy.ReadContext;
import io.patienttwin.simulation.model.Cohort;
import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.DoseFinder;
import io.patienttwin.simulation.model.Grid;
import io.patienttwin.simulation.model.ModelRegistry;
import io.patienttwin.simulation.model.PkPdModel;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.SafetyRules;
import io.patienttwin.simulation.model.SimulationException;
import io.patienttwin.simulation.model.Simulator;
import io.patienttwin.simulation.model.Target;
import io.patienttwin.simulation.model.Warning;
import io.patienttwin.twin.Twin;
import io.patienttwin.twin.TwinInput;
import io.patienttwin.twin.TwinParameters;
import io.patienttwin.twin.TwinService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hipparchus.exception.MathRuntimeException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;

/**
 * {@code $twin} and {@code $simulate}: builds the twin through the gated reads, turns it into model
 * covariates, runs every regimen (typical patient, optional cohort and dose suggestion), and adds
 * safety warnings. Model failures become 400/422 with their {@code PT-SIM-…} code. Every run is
 * recorded as a Provenance that a rerun ({@link #reproduce}) reproduces exactly.
 */
@ApplicationScoped
public class SimulationService implements TwinOperations {

    /** Twin inputs passed to models as numbers. */
    static final List<String> NUMBERS = List.of(
            "age",
            "weight",
            "height",
            "bmi",
            "bsa",
            "sbp",
            "dbp",
            "creatinine",
            "crcl",
            "egfr",
            "hba1c",
            "inr",
            "glucose",
            "dialysis");

    /** Twin inputs passed to models as codes. */
    static final List<String> CODES = List.of("sex", "cyp2c9", "vkorc1");

    /** Most doses of one regimen within the horizon (the closed forms sum over every dose). */
    static final int MAX_DOSES = 2000;

    /** Most simulated subject-days of a cohort per regimen (1,000 subjects × 100 days). */
    static final double MAX_COHORT_SUBJECT_DAYS = 100_000;

    private final TwinService twins;
    private final ResourceService writes;
    private final ReadService reads;
    private final CurrentReader current;
    private final ModelRegistry registry = ModelRegistry.standard();

    public SimulationService(TwinService twins, ResourceService writes, ReadService reads, CurrentReader current) {
        this.twins = twins;
        this.writes = writes;
        this.reads = reads;
        this.current = current;
    }

    @Override
    public Parameters twin(String patientId) {
        return TwinParameters.of(twins.twin(patientId));
    }

    /**
     * Runs the simulation on the twin as of now and stores its record (a Provenance, {@link
     * SimulationRecords}) before answering; the answer names the record in its {@code provenance}
     * parameter. A run whose record cannot be stored fails: no unrecorded result leaves.
     */
    @Override
    public Parameters simulate(String patientId, Parameters parameters) {
        return mapped(() -> {
            SimulationRequest request = SimulationRequest.from(parameters);
            PkPdModel model = checked(request);
            TwinService.Built built = twins.build(patientId);
            Parameters result = run(model, request, built.twin());
            ReadContext context = current.context();
            Provenance record = SimulationRecords.of(
                    patientId,
                    SimulationRecords.effectiveRequest(parameters, request),
                    result,
                    built,
                    context.principal(),
                    context.purpose(),
                    model.definition());
            WriteOutcome stored = writes.record(record);
            result.addParameter().setName("provenance").setValue(new Reference("Provenance/" + stored.id()));
            return result;
        });
    }

    /**
     * Reruns a recorded simulation: the recorded request on the twin rebuilt as of the recorded instant
     * from exactly the recorded versions (each read through the gate again), with the recorded model
     * version, and compares the result with the recorded one to the last digit.
     */
    @Override
    public Parameters reproduce(String provenanceId) {
        IBaseResource read = reads.read("Provenance", provenanceId);
        if (!(read instanceof Provenance provenance)) {
            throw new UnprocessableEntityException(
                    "PT-SIM-422-RECORD: Provenance/" + provenanceId + " is no simulation record");
        }
        SimulationRecords.Recorded recorded = SimulationRecords.read(provenance);
        return mapped(() -> {
            SimulationRequest request = SimulationRequest.from(recorded.request());
            PkPdModel model = checked(request);
            if (!model.definition().id().equals(recorded.modelId())
                    || !model.definition().version().equals(recorded.modelVersion())) {
                throw SimulationException.unprocessable(
                        "MODEL-VERSION",
                        "the record was made with model " + recorded.modelId() + " version " + recorded.modelVersion()
                                + "; this server runs version "
                                + model.definition().version());
            }
            Twin twin = twins.rebuild(recorded.patientId(), recorded.versions(), recorded.asOf());
            Parameters fresh = run(model, request, twin);
            boolean same = SimulationRecords.canonical(fresh).equals(SimulationRecords.canonical(recorded.result()));
            Parameters out = new Parameters();
            out.addParameter().setName("reproduced").setValue(new BooleanType(same));
            out.addParameter().setName("provenance").setValue(new Reference("Provenance/" + provenanceId));
            out.addParameter().setName("result").setResource(fresh);
            return out;
        });
    }

    /** The model of a request, with its drugs and parameter names checked. */
    private PkPdModel checked(SimulationRequest request) {
        PkPdModel model = registry.require(request.model());
        checkDrugs(model, request.regimens());
        for (String name : request.overrides().keySet()) {
            if (model.definition().parameters().stream().noneMatch(p -> p.name().equals(name))) {
                throw SimulationException.badRequest(
                        "PARAMETER", "model " + model.definition().id() + " has no parameter " + name);
            }
        }
        return model;
    }

    /** Runs a simulation step, mapping model failures to 400/422 with their code. */
    private static Parameters mapped(java.util.function.Supplier<Parameters> work) {
        try {
            return work.get();
        } catch (SimulationException e) {
            if (e.status() == 422) {
                throw new UnprocessableEntityException(e.getMessage());
            }
            throw new InvalidRequestException(e.getMessage());
        } catch (MathRuntimeException e) {
            // e.g. the adaptive step fell below its minimum for extreme parameter values
            throw new UnprocessableEntityException(
                    "PT-SIM-422-NUMERICS: the model could not be solved for these inputs (" + e.getMessage() + ")");
        }
    }

    private Parameters run(PkPdModel model, SimulationRequest request, Twin twin) {
        Covariates covariates = covariates(twin);
        List<String> missing = model.definition().requiredInputs().stream()
                .filter(name -> !covariates.has(name))
                .toList();
        if (!missing.isEmpty()) {
            throw SimulationException.unprocessable(
                    "MISSING-INPUT",
                    "model " + model.definition().id() + " needs the twin inputs " + String.join(", ", missing)
                            + " and the patient's record has none");
        }
        double horizon = Double.isNaN(request.horizonH()) ? defaultHorizon(model) : request.horizonH();
        double step = Double.isNaN(request.outputStepH()) ? (horizon <= 7 * 24 ? 1 : 4) : request.outputStepH();
        Target target = request.target() != null ? request.target() : model.defaultTarget();
        for (Regimen regimen : request.regimens()) {
            if (regimen.doses(horizon).size() > MAX_DOSES) {
                throw SimulationException.badRequest(
                        "DOSES",
                        "more than " + MAX_DOSES + " doses within the horizon; shorten it or widen the interval");
            }
        }
        if ((double) request.cohortSize() * horizon / 24 > MAX_COHORT_SUBJECT_DAYS) {
            throw SimulationException.badRequest(
                    "COHORT", "cohortSize × horizon in days must stay within " + MAX_COHORT_SUBJECT_DAYS);
        }
        PkPdModel.Parameters typical = Simulator.typical(model, covariates, request.overrides());
        List<String> ingredients = twin.medications().stream()
                .map(Twin.Medication::ingredient)
                .filter(Objects::nonNull)
                .toList();
        Map<String, String> allergies = new LinkedHashMap<>();
        twin.allergies().forEach(a -> allergies.put(a.substance(), a.source()));
        List<SimulationParameters.RegimenResult> results = new ArrayList<>();
        for (Regimen regimen : request.regimens()) {
            double[] grid = Grid.of(regimen, horizon, step);
            Simulator.Run run = Simulator.run(model, typical, regimen, grid, target, request.mic());
            Cohort.Summary cohort = null;
            if (request.cohortSize() > 0) {
                double[] cohortGrid = Grid.of(regimen, horizon, step, 1);
                cohort = Cohort.simulate(
                        model,
                        covariates,
                        request.overrides(),
                        regimen,
                        cohortGrid,
                        Grid.outputIndices(cohortGrid, step),
                        target,
                        request.mic(),
                        request.cohortSize(),
                        request.seed());
            }
            DoseFinder.Suggestion suggestion = null;
            if (request.suggestDose()) {
                suggestion = DoseFinder.suggest(
                        model,
                        typical,
                        regimen,
                        grid,
                        target,
                        request.mic(),
                        regimen.amountMg() / 100,
                        regimen.amountMg() * 100);
            }
            List<Warning> warnings =
                    SafetyRules.check(regimen.drug(), covariates, ingredients, allergies, run.metrics());
            results.add(new SimulationParameters.RegimenResult(
                    regimen, grid, Grid.outputIndices(grid, step), step, run, cohort, suggestion, warnings));
        }
        List<TwinInput> used = new ArrayList<>();
        for (String name : model.definition().requiredInputs()) {
            twin.input(name).ifPresent(used::add);
        }
        for (String optional : List.of("dialysis", "sex")) {
            if (!model.definition().requiredInputs().contains(optional)) {
                twin.input(optional).ifPresent(used::add);
            }
        }
        return SimulationParameters.of(model.definition(), twin, used, horizon, target, request, results);
    }

    private static double defaultHorizon(PkPdModel model) {
        return model.definition().outputs().stream().anyMatch(o -> !o.name().equals("concentration")) ? 28 * 24 : 72;
    }

    private static void checkDrugs(PkPdModel model, List<Regimen> regimens) {
        List<String> drugs = model.definition().drugs();
        for (Regimen regimen : regimens) {
            if (!drugs.isEmpty() && !drugs.contains(regimen.drug())) {
                throw SimulationException.badRequest(
                        "DRUG",
                        "model " + model.definition().id() + " does not simulate " + regimen.drug() + " (it takes "
                                + String.join(", ", drugs) + ")");
            }
        }
    }

    static Covariates covariates(Twin twin) {
        Map<String, Double> numbers = new HashMap<>();
        Map<String, String> codes = new HashMap<>();
        for (String name : NUMBERS) {
            twin.input(name).filter(i -> i.number() != null).ifPresent(i -> numbers.put(name, i.number()));
        }
        for (String name : CODES) {
            twin.input(name).filter(i -> i.code() != null).ifPresent(i -> codes.put(name, i.code()));
        }
        return new Covariates(numbers, codes);
    }
}
