package io.cgfed.core.data;

import io.cgfed.core.text.ByteTokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Prompt-response pairs as model input for causal-LM training with the loss on the response only
 * (alpaca-lora's {@code train_on_inputs=False}): each row is {@code BOS + prompt + response [+ EOS]},
 * cut to at most {@code cutoffLen} input positions, right-padded with PAD to the batch's longest row.
 *
 * <p>Row {@code b}, position {@code i} holds input token {@code s[i]} and target {@code s[i+1]}
 * (the next token), with loss mask 1 exactly where the target is a response token or the EOS. A
 * sequence longer than {@code cutoffLen + 1} tokens loses its tail: the EOS first, then the end of
 * the response; a prompt of {@code cutoffLen} tokens or more leaves the row with no loss positions
 * (see {@link #lossTokens(int)}; callers may drop such examples). Padding positions have target PAD
 * and mask 0.
 *
 * <p>A multiple-choice example is the special case response = answer letter, no EOS: the result then
 * has the tokens and loss positions of {@link TokenBatch#of}.
 */
public record SequenceBatch(long[] tokens, long[] targets, float[] lossMask, int batch, int seq, int[] lengths)
        implements LossBatch {

    /** A prompt and the response the model should learn to produce after it. */
    public record PromptResponse(String prompt, String response) {
        public PromptResponse {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(response, "response");
        }

        /** The Alpaca-template prompt and the example's output. */
        public static PromptResponse alpaca(InstructionExample example) {
            return new PromptResponse(AlpacaPrompt.prompt(example), example.output());
        }
    }

    /** Instruction examples in the Alpaca template, EOS after the response, byte tokens. */
    public static SequenceBatch ofInstructions(List<InstructionExample> examples, ByteTokenizer tokenizer,
                                               int cutoffLen) {
        return of(examples.stream().map(PromptResponse::alpaca).toList(), tokenizer::encode, ByteTokenizer.BOS,
                ByteTokenizer.EOS, ByteTokenizer.PAD, cutoffLen, true);
    }

    /**
     * Instruction examples in the Alpaca template with any model's tokenizer: BOS only where it has
     * one, EOS after the response where it has one.
     */
    public static SequenceBatch ofInstructions(List<InstructionExample> examples, io.cgfed.core.text.TextTokenizer tokenizer,
                                               int cutoffLen) {
        return of(examples.stream().map(PromptResponse::alpaca).toList(), tokenizer::encode, tokenizer.bos(),
                tokenizer.eos(), Math.max(0, tokenizer.pad()), cutoffLen, tokenizer.eos() >= 0);
    }

    /** Multiple-choice examples as prompt + answer letter, no EOS (the layout of {@link TokenBatch#of}). */
    public static SequenceBatch ofMultipleChoice(List<MultipleChoiceExample> examples, ByteTokenizer tokenizer,
                                                 int cutoffLen) {
        return of(examples.stream().map(e -> new PromptResponse(e.prompt(), String.valueOf(e.answerLetter()))).toList(),
                tokenizer::encode, ByteTokenizer.BOS, ByteTokenizer.EOS, ByteTokenizer.PAD, cutoffLen, false);
    }

    /**
     * The general builder.
     *
     * @param encode    text to token ids (no special tokens)
     * @param bos       the BOS token, or a negative number for none
     * @param cutoffLen the most input positions of a row (at most the model's context length)
     * @param addEos    whether the response ends with EOS (to teach the model to stop)
     */
    public static SequenceBatch of(List<PromptResponse> pairs, Function<String, int[]> encode, int bos, int eos,
                                   int pad, int cutoffLen, boolean addEos) {
        if (cutoffLen < 1) {
            throw new IllegalArgumentException("cutoffLen must be positive");
        }
        int batch = pairs.size();
        int[][] sequences = new int[batch][];
        int[] promptTokens = new int[batch];
        int prefix = bos >= 0 ? 1 : 0;
        int seq = 1;
        for (int b = 0; b < batch; b++) {
            int[] prompt = encode.apply(pairs.get(b).prompt());
            int[] response = encode.apply(pairs.get(b).response());
            int full = prefix + prompt.length + response.length + (addEos ? 1 : 0);
            int[] s = new int[Math.min(full, cutoffLen + 1)];
            int n = 0;
            if (prefix == 1) {
                s[n++] = bos;
            }
            for (int i = 0; i < prompt.length && n < s.length; i++) {
                s[n++] = prompt[i];
            }
            for (int i = 0; i < response.length && n < s.length; i++) {
                s[n++] = response[i];
            }
            if (addEos && n < s.length) {
                s[n++] = eos;
            }
            sequences[b] = s;
            promptTokens[b] = prompt.length;
            seq = Math.max(seq, s.length - 1);
        }
        long[] tokens = new long[batch * seq];
        long[] targets = new long[batch * seq];
        float[] mask = new float[batch * seq];
        int[] lengths = new int[batch];
        Arrays.fill(tokens, pad);
        Arrays.fill(targets, pad);
        for (int b = 0; b < batch; b++) {
            int[] s = sequences[b];
            int row = b * seq;
            lengths[b] = Math.max(1, s.length - 1);
            tokens[row] = s[0];
            for (int i = 0; i + 1 < s.length; i++) {
                tokens[row + i] = s[i];
                targets[row + i] = s[i + 1];
                // s[i + 1] is a response token or EOS when it lies past (BOS +) prompt
                mask[row + i] = i + 1 >= prefix + promptTokens[b] ? 1f : 0f;
            }
        }
        return new SequenceBatch(tokens, targets, mask, batch, seq, lengths);
    }

    /** Positions of row {@code b} that carry loss (response tokens and EOS that survived the cut). */
    public int lossTokens(int b) {
        int n = 0;
        for (int i = 0; i < seq; i++) {
            n += lossMask[b * seq + i] > 0 ? 1 : 0;
        }
        return n;
    }
}
