package io.cgfed.core.data;

/**
 * The Stanford Alpaca prompt template (as alpaca-lora and FedIT use it), with and without input. The
 * response follows the prompt directly; an input that is empty or blank takes the form without input.
 */
public final class AlpacaPrompt {
    static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides "
            + "further context. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    static final String WITHOUT_INPUT = "Below is an instruction that describes a task. Write a response that "
            + "appropriately completes the request.\n\n### Instruction:\n%s\n\n### Response:\n";

    private AlpacaPrompt() {
    }

    public static String prompt(String instruction, String input) {
        if (input == null || input.isBlank()) {
            return WITHOUT_INPUT.formatted(instruction);
        }
        return WITH_INPUT.formatted(instruction, input);
    }

    public static String prompt(InstructionExample example) {
        return prompt(example.instruction(), example.input());
    }
}
