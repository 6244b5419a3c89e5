package io.cgfed.core.data;

import java.util.List;

/**
 * Zero-shot multiple-choice prompts as C-Eval and MMLU build them: the question, one line per
 * option ({@code A. ...}), then the cue after which the model's next token is scored as the answer
 * letter.
 */
public enum MultipleChoicePrompt {
    /** {@code "{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:"}. */
    PLAIN,
    /** MMLU's (Hendrycks et al.): "The following are multiple choice questions (with answers) about {subject}." first. */
    MMLU,
    /** C-Eval's: the Chinese instruction naming the subject first, and the cue {@code 答案：}. */
    CEVAL;

    public String format(String subject, String question, List<String> options) {
        StringBuilder sb = new StringBuilder();
        switch (this) {
            case MMLU -> sb.append("The following are multiple choice questions (with answers) about ")
                    .append(subject.replace('_', ' ')).append(".\n\n");
            case CEVAL -> sb.append("以下是中国关于")
                    .append(SubjectGroups.chineseName(subject).orElse(subject.replace('_', ' ')))
                    .append("考试的单项选择题，请选出其中的正确答案。\n\n");
            case PLAIN -> {
            }
        }
        sb.append(question);
        for (int i = 0; i < options.size(); i++) {
            sb.append('\n').append((char) ('A' + i)).append(". ").append(options.get(i));
        }
        sb.append(this == CEVAL ? "\n答案：" : "\nAnswer:");
        return sb.toString();
    }
}
