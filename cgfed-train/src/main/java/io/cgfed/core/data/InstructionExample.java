package io.cgfed.core.data;

import java.util.Objects;

/**
 * One instruction-tuning example: Alpaca's {@code instruction, input, output}, or Dolly's
 * {@code instruction, context, response, category} (context as input, response as output). The
 * input may be empty; Alpaca examples have no category and get {@link #UNCATEGORIZED}.
 */
public record InstructionExample(String category, String instruction, String input, String output) {
    public static final String UNCATEGORIZED = "uncategorized";

    public InstructionExample {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(output, "output");
        input = input == null ? "" : input;
    }

    public boolean hasInput() {
        return !input.isBlank();
    }
}
