package io.patienttwin.simulation.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The models PatientTwin can simulate, by id. Immutable. */
public final class ModelRegistry {

    private final Map<String, PkPdModel> models = new LinkedHashMap<>();

    public ModelRegistry(List<PkPdModel> all) {
        for (PkPdModel model : all) {
            models.put(model.definition().id(), model);
        }
    }

    /** The registry with every built-in model. */
    public static ModelRegistry standard() {
        return new ModelRegistry(List.of(
                new OneCompartmentModel(),
                new VancomycinGotiModel(),
                new WarfarinHambergModel(),
                new BloodPressureLawModel()));
    }

    public Optional<PkPdModel> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /** The model, or a 400 {@code PT-SIM-400-MODEL} naming the known ones. */
    public PkPdModel require(String id) {
        return find(id).orElseThrow(() -> SimulationException.badRequest(
                "MODEL", "unknown model " + id + "; known: " + String.join(", ", models.keySet())));
    }

    public List<ModelDefinition> definitions() {
        return models.values().stream().map(PkPdModel::definition).toList();
    }
}
