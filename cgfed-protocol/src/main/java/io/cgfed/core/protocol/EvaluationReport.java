package io.cgfed.core.protocol;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.Map;

/** What a worker reports for an EVALUATE task. */
public record EvaluationReport(@NotNull Double evalLoss, @NotNull Double perplexity, @PositiveOrZero Double accuracy,
                               Map<String, Double> accuracyByCategory, @NotNull @PositiveOrZero Integer examples,
                               Map<String, Integer> examplesByCategory) {
    public EvaluationReport(Double evalLoss, Double perplexity, Double accuracy, Map<String, Double> accuracyByCategory,
                            Integer examples) {
        this(evalLoss, perplexity, accuracy, accuracyByCategory, examples, null);
    }
}
