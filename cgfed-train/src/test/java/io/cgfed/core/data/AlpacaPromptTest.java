package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AlpacaPromptTest {

    @Test
    void withInput() {
        assertThat(AlpacaPrompt.prompt(new InstructionExample("x", "Translate to English.", "Bonjour", "Hello")))
                .isEqualTo("Below is an instruction that describes a task, paired with an input that provides further "
                        + "context. Write a response that appropriately completes the request.\n\n"
                        + "### Instruction:\nTranslate to English.\n\n### Input:\nBonjour\n\n### Response:\n");
    }

    @Test
    void withoutInputOrWithABlankOne() {
        String expected = "Below is an instruction that describes a task. Write a response that appropriately "
                + "completes the request.\n\n### Instruction:\nSay hi.\n\n### Response:\n";
        assertThat(AlpacaPrompt.prompt("Say hi.", "")).isEqualTo(expected);
        assertThat(AlpacaPrompt.prompt("Say hi.", " \n")).isEqualTo(expected);
        assertThat(AlpacaPrompt.prompt("Say hi.", null)).isEqualTo(expected);
    }

    @Test
    void percentSignsInTheTextAreKept() {
        assertThat(AlpacaPrompt.prompt("What is 10% of %d?", "")).contains("What is 10% of %d?");
    }
}
