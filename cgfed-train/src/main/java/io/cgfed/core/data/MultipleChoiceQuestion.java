package io.cgfed.core.data;

import java.util.List;
import java.util.Objects;

/**
 * A multiple-choice question as a benchmark file holds it: its subject (e.g.
 * {@code computer_network}), the question, the options in letter order and the answer's index.
 * {@link #toExample()} turns it into the {@link MultipleChoiceExample} that training and evaluation
 * use, with the subject's C-Eval group (STEM, Social Science, Humanities, Other) as category.
 */
public record MultipleChoiceQuestion(String subject, String question, List<String> options, int answer) {
    public MultipleChoiceQuestion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(question, "question");
        options = List.copyOf(options);
        if (options.size() < 2 || options.size() > 26) {
            throw new IllegalArgumentException("a question needs 2 to 26 options, not " + options.size());
        }
        if (answer < 0 || answer >= options.size()) {
            throw new IllegalArgumentException("answer " + answer + " is not one of " + options.size() + " options");
        }
    }

    public String group() {
        return SubjectGroups.groupOf(subject);
    }

    public char answerLetter() {
        return (char) ('A' + answer);
    }

    /** The zero-shot prompt in the plain layout ({@code ...\nD. {D}\nAnswer:}), category = group. */
    public MultipleChoiceExample toExample() {
        return toExample(MultipleChoicePrompt.PLAIN);
    }

    public MultipleChoiceExample toExample(MultipleChoicePrompt style) {
        return new MultipleChoiceExample(group(), style.format(subject, question, options), answer, options.size());
    }
}
