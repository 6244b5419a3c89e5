package io.cgfed.core.data;

/**
 * A multiple-choice question whose answer is one letter (A, B, C, ...) following the prompt, as
 * C-Eval and MMLU are scored: the option whose letter the model finds most likely wins.
 */
public record MultipleChoiceExample(String category, String prompt, int answer, int numOptions) {
    public MultipleChoiceExample {
        if (numOptions < 2 || numOptions > 26) {
            throw new IllegalArgumentException("numOptions must be in [2, 26]");
        }
        if (answer < 0 || answer >= numOptions) {
            throw new IllegalArgumentException("answer " + answer + " is not one of " + numOptions + " options");
        }
    }

    public char answerLetter() {
        return (char) ('A' + answer);
    }
}
