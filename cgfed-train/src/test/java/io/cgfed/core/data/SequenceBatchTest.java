package io.cgfed.core.data;

import io.cgfed.core.text.ByteTokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.data.SequenceBatch.PromptResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceBatchTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();
    private static final int BOS = ByteTokenizer.BOS;
    private static final int EOS = ByteTokenizer.EOS;
    private static final int PAD = ByteTokenizer.PAD;

    private static SequenceBatch build(List<PromptResponse> pairs, int cutoff, boolean eos) {
        return SequenceBatch.of(pairs, new ByteTokenizer()::encode, BOS, EOS, PAD, cutoff, eos);
    }

    private static long[] row(long[] a, SequenceBatch sb, int b) {
        long[] out = new long[sb.seq()];
        System.arraycopy(a, b * sb.seq(), out, 0, sb.seq());
        return out;
    }

    private static float[] row(float[] a, SequenceBatch sb, int b) {
        float[] out = new float[sb.seq()];
        System.arraycopy(a, b * sb.seq(), out, 0, sb.seq());
        return out;
    }

    @Test
    void promptResponseEosWithTheLossOnTheResponseAndRightPadding() {
        SequenceBatch sb = build(List.of(new PromptResponse("ab", "xy"), new PromptResponse("c", "z")), 64, true);
        // row 0: BOS a b x y EOS -> 5 positions; row 1: BOS c z EOS -> 3 positions, padded
        assertThat(sb.batch()).isEqualTo(2);
        assertThat(sb.seq()).isEqualTo(5);
        assertThat(sb.lengths()).containsExactly(5, 3);
        assertThat(row(sb.tokens(), sb, 0)).containsExactly(BOS, 'a', 'b', 'x', 'y');
        assertThat(row(sb.targets(), sb, 0)).containsExactly('a', 'b', 'x', 'y', EOS);
        assertThat(row(sb.lossMask(), sb, 0)).containsExactly(0f, 0f, 1f, 1f, 1f);
        assertThat(row(sb.tokens(), sb, 1)).containsExactly(BOS, 'c', 'z', PAD, PAD);
        assertThat(row(sb.targets(), sb, 1)).containsExactly('c', 'z', EOS, PAD, PAD);
        assertThat(row(sb.lossMask(), sb, 1)).containsExactly(0f, 1f, 1f, 0f, 0f);
        assertThat(sb.lossTokens(0)).isEqualTo(3);
        assertThat(sb.lossTokens(1)).isEqualTo(2);
    }

    @Test
    void truncationDropsTheEosThenTheResponseTail() {
        // BOS ab xyz EOS = 7 tokens = 6 positions untruncated
        PromptResponse p = new PromptResponse("ab", "xyz");
        assertThat(build(List.of(p), 6, true).lossTokens(0)).isEqualTo(4);
        SequenceBatch noEos = build(List.of(p), 5, true);
        assertThat(noEos.seq()).isEqualTo(5);
        assertThat(row(noEos.targets(), noEos, 0)).containsExactly('a', 'b', 'x', 'y', 'z');
        assertThat(noEos.lossTokens(0)).isEqualTo(3);
        SequenceBatch cut = build(List.of(p), 3, true);
        assertThat(row(cut.tokens(), cut, 0)).containsExactly(BOS, 'a', 'b');
        assertThat(row(cut.targets(), cut, 0)).containsExactly('a', 'b', 'x');
        assertThat(cut.lossTokens(0)).isEqualTo(1);
    }

    @Test
    void aPromptThatFillsTheCutoffLeavesNoLossPositions() {
        SequenceBatch sb = build(List.of(new PromptResponse("abcd", "x")), 4, true);
        assertThat(sb.seq()).isEqualTo(4);
        assertThat(sb.lossTokens(0)).isZero();
        assertThatThrownBy(() -> build(List.of(new PromptResponse("a", "b")), 0, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instructionExamplesUseTheAlpacaTemplate() {
        InstructionExample ex = new InstructionExample("qa", "Say hi.", "", "Hi");
        SequenceBatch sb = SequenceBatch.ofInstructions(List.of(ex), tokenizer, 4096);
        int promptLength = AlpacaPrompt.prompt(ex).length();
        assertThat(sb.seq()).isEqualTo(1 + promptLength + 2);
        assertThat(sb.lossTokens(0)).isEqualTo(3); // 'H', 'i', EOS
        assertThat(sb.targets()[sb.seq() - 1]).isEqualTo(EOS);
        assertThat(sb.targets()[sb.seq() - 3]).isEqualTo('H');
        assertThat(sb.lossMask()[sb.seq() - 4]).isZero();
    }

    @Test
    void multipleChoiceExamplesMatchTokenBatch() {
        List<MultipleChoiceExample> examples = List.of(
                new MultipleChoiceExample("STEM", "STEM QX k:", 2, 4),
                new MultipleChoiceExample("Other", "OTH a:", 0, 4));
        TokenBatch tb = TokenBatch.of(examples, tokenizer, 64);
        SequenceBatch sb = SequenceBatch.ofMultipleChoice(examples, tokenizer, 64);
        assertThat(sb.seq()).isEqualTo(tb.seq());
        assertThat(sb.tokens()).containsExactly(tb.tokens());
        assertThat(sb.lossMask()).containsExactly(tb.lossMask());
        for (int i = 0; i < tb.lossMask().length; i++) {
            if (tb.lossMask()[i] > 0) {
                assertThat(sb.targets()[i]).isEqualTo(tb.targets()[i]);
            }
        }
    }
}
