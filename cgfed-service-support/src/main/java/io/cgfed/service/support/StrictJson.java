package io.cgfed.service.support;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read as written, never guessed at (issue 15): an unknown field is a 400 naming it
 * (a misspelt {@code "learningrate"} silently fell back to nothing before), {@code 3.5} is no integer (it
 * was cut to 3), and a number given as a string ({@code "Infinity"}, {@code "1e308"}) is no number. The
 * {@code problem+json} answer names the field ({@code ProblemHandlers}). Every service gets it from
 * {@link ServiceSupportAutoConfiguration}: the coordinator's specs and reports, the registry's records and the
 * worker's generate requests. It shapes the Spring mapper: the services' own {@code RestClient}s are built with
 * {@code RestClient.builder()} and read each other's answers tolerantly, and the two places that read a peer's
 * answer through the Spring mapper (the registry's codec versions, the worker's experiment spec) use a reader
 * without {@code FAIL_ON_UNKNOWN_PROPERTIES}.
 */
final class StrictJson {
    private StrictJson() {
    }

    static JsonMapperBuilderCustomizer strictRequestBodies() {
        return b -> b.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail));
    }
}
