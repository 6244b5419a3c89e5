package io.cgfed.coordinator.experiment;

import io.cgfed.core.protocol.ExperimentSpec;
import io.cgfed.core.util.LruCache;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * Each experiment's spec, parsed once per experiment (issue 17: it was parsed about ten times a scheduler
 * tick): the stored JSON never changes after submit, and a cached parse is used only while it came from the
 * same JSON. Callers read it and must not change its lists or maps. A component of its own so that the
 * registry's sync, which {@link ExperimentService} uses, can read it too.
 */
@Component
public class ExperimentSpecs {
    private final ObjectMapper json;
    /** Parsed specs of the most recently used experiments. */
    private final LruCache<UUID, ParsedSpec> specs = new LruCache<>(256);

    ExperimentSpecs(ObjectMapper json) {
        this.json = json;
    }

    public ExperimentSpec of(Experiment e) {
        ParsedSpec p = specs.get(e.getId());
        if (p == null || !p.json().equals(e.getSpec())) {
            p = new ParsedSpec(e.getSpec(), json.readValue(e.getSpec(), ExperimentSpec.class));
            specs.put(e.getId(), p);
        }
        return p.spec();
    }

    private record ParsedSpec(String json, ExperimentSpec spec) {
    }
}
