package io.cgfed.core.data;

import io.cgfed.core.text.ByteTokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBatchTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    private static final List<MultipleChoiceExample> EXAMPLES = List.of(
            new MultipleChoiceExample("STEM", "STEM QX k:", 2, 4),   // 10 bytes, answer C
            new MultipleChoiceExample("Other", "OTH a:", 0, 4),     // 6 bytes, answer A
            new MultipleChoiceExample("Humanities", "HUM EF z:", 3, 4)); // 9 bytes, answer D

    @Test
    void sequenceLengthIsTheLongestPromptPlusBos() {
        TokenBatch tb = TokenBatch.of(EXAMPLES, tokenizer, 64);
        assertThat(tb.batch()).isEqualTo(3);
        assertThat(tb.seq()).isEqualTo(11);
        assertThat(tb.tokens()).hasSize(33);
        assertThat(tb.targets()).hasSize(33);
        assertThat(tb.lossMask()).hasSize(33);
    }

    @Test
    void everyRowStartsWithBosFollowedByThePromptBytes() {
        TokenBatch tb = TokenBatch.of(EXAMPLES, tokenizer, 64);
        for (int b = 0; b < tb.batch(); b++) {
            int row = b * tb.seq();
            assertThat(tb.tokens()[row]).isEqualTo(ByteTokenizer.BOS);
            int[] prompt = tokenizer.encode(EXAMPLES.get(b).prompt());
            for (int i = 0; i < prompt.length; i++) {
                assertThat(tb.tokens()[row + 1 + i]).isEqualTo(prompt[i]);
            }
        }
    }

    @Test
    void shorterRowsAreRightPaddedWithPad() {
        TokenBatch tb = TokenBatch.of(EXAMPLES, tokenizer, 64);
        // row 1: BOS + 6 bytes, then 4 PAD
        for (int i = 7; i < 11; i++) {
            assertThat(tb.tokens()[tb.seq() + i]).isEqualTo(ByteTokenizer.PAD);
        }
        // row 2: BOS + 9 bytes, then 1 PAD
        assertThat(tb.tokens()[2 * tb.seq() + 10]).isEqualTo(ByteTokenizer.PAD);
        // the longest row has no padding
        for (int i = 0; i < 11; i++) {
            assertThat(tb.tokens()[i]).isNotEqualTo(ByteTokenizer.PAD);
        }
    }

    @Test
    void answerLetterIsTheTargetAtTheLastPromptPositionOnly() {
        TokenBatch tb = TokenBatch.of(EXAMPLES, tokenizer, 64);
        assertThat(tb.lastIndex()).containsExactly(10, 6, 9);
        char[] letters = {'C', 'A', 'D'};
        for (int b = 0; b < tb.batch(); b++) {
            int row = b * tb.seq();
            int last = tb.lastIndex()[b];
            // the last prompt token is the ':' the answer follows
            assertThat(tb.tokens()[row + last]).isEqualTo(':');
            for (int i = 0; i < tb.seq(); i++) {
                if (i == last) {
                    assertThat(tb.targets()[row + i]).isEqualTo(letters[b]);
                    assertThat(tb.lossMask()[row + i]).isEqualTo(1f);
                } else {
                    assertThat(tb.targets()[row + i]).isEqualTo(ByteTokenizer.PAD);
                    assertThat(tb.lossMask()[row + i]).isZero();
                }
            }
        }
    }

    @Test
    void answersAndOptionCountAreCarried() {
        TokenBatch tb = TokenBatch.of(EXAMPLES, tokenizer, 64);
        assertThat(tb.answers()).containsExactly(2, 0, 3);
        assertThat(tb.numOptions()).isEqualTo(4);
    }

    @Test
    void aPromptLongerThanTheCapKeepsItsEndWhereTheAnswerIsRead() {
        TokenBatch full = TokenBatch.of(EXAMPLES, tokenizer, 11);
        assertThat(full.seq()).isEqualTo(11);
        TokenBatch cut = TokenBatch.of(EXAMPLES, tokenizer, 6);
        assertThat(cut.seq()).isEqualTo(6);
        for (int b = 0; b < cut.batch(); b++) {
            // the last five prompt tokens, after BOS, and the answer target at the last prompt position
            int last = cut.lastIndex()[b];
            int fullLast = full.lastIndex()[b];
            assertThat(cut.tokens()[b * 6 + last]).isEqualTo(full.tokens()[b * 11 + fullLast]);
            assertThat(cut.targets()[b * 6 + last]).isEqualTo(full.targets()[b * 11 + fullLast]);
        }
        assertThatThrownBy(() -> TokenBatch.of(EXAMPLES, tokenizer, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room");
    }

    @Test
    void tokenizerMapsBytesAndSpecialTokensAreOutsideTheByteRange() {
        assertThat(tokenizer.encode("A:")).containsExactly(65, 58);
        assertThat(tokenizer.encode("é")).containsExactly(0xc3, 0xa9);
        assertThat(tokenizer.token('B')).isEqualTo(66);
        assertThat(List.of(ByteTokenizer.BOS, ByteTokenizer.EOS, ByteTokenizer.PAD)).allMatch(t -> t >= 256 && t < ByteTokenizer.VOCAB_SIZE);
    }
}
