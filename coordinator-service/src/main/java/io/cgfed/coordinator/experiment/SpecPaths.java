package io.cgfed.coordinator.experiment;

import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.protocol.PathRoots;
import io.cgfed.service.support.InvalidFieldException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The files a spec may name: {@code dataset.path} and {@code dataset.evalPath} inside
 * {@code cgfed.coordinator.data-roots} ({@code CGFED_DATA_ROOTS}), a checkpoint given as {@code model.name}
 * inside {@code cgfed.coordinator.model-roots} ({@code CGFED_MODEL_ROOTS}); checked when the spec is
 * submitted, before anything reads them; a warm start's {@code initialAdapter.path} inside the model roots too (the coordinator reads a checkpoint's config.json at submit). A path
 * outside them is a 400 on its field naming the roots (issue 15, fault C: {@code /etc/passwd},
 * {@code /proc/self/environ} and {@code ../../x} were accepted as datasets).
 */
@Component
public class SpecPaths {
    private final PathRoots data;
    private final PathRoots models;

    @Autowired
    SpecPaths(io.cgfed.coordinator.CoordinatorProperties properties) {
        this(properties.dataRoots(), properties.modelRoots());
    }

    SpecPaths(String dataRoots, String modelRoots) {
        this.data = PathRoots.parse("CGFED_DATA_ROOTS", dataRoots);
        this.models = PathRoots.parse("CGFED_MODEL_ROOTS", modelRoots);
    }

    public void check(ExperimentSpec spec) {
        ExperimentSpec.Dataset d = spec.dataset();
        if (d != null) {
            require(data, "dataset.path", d.path());
            require(data, "dataset.evalPath", d.evalPath());
        }
        if (spec.model() != null && spec.model().name() != null && !ModelCatalog.exists(spec.model().name())
                && ModelCatalog.isCheckpointPath(spec.model().name())) {
            require(models, "model.name", spec.model().name());
        }
        if (spec.initialAdapter() != null) {
            require(models, "initialAdapter.path", spec.initialAdapter().path());
        }
    }

    private static void require(PathRoots roots, String field, String path) {
        if (path == null) {
            return;
        }
        try {
            roots.require(path);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(field, e.getMessage());
        }
    }
}
